//! kv: an example server — a key-value store (string keys, byte values) on the heap, registered as
//! "kv". Each client has a store of its own (told apart by the badge the name service gave it),
//! which goes when a new client needs its place after it has ended: no client can fill the server
//! for others, nor leave its keys behind for good. The protocol is `src/protocol/kv.rs`;
//! `kvclient` uses it.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use core::ops::Bound;
use examples::protocol::kv::{Error, Key, Keys, Kv, Reply, Request, Value, KEYS_PER_PAGE};
use userlib::clients::Clients;
use userlib::names;
use userlib::rpc::{Call, Server};

userlib::sbrk_heap!();
userlib::entry!(main);

/// Most keys one client stores (so no client can make the server take all memory).
const MAX_KEYS: usize = 64;

type Store = BTreeMap<Key, Value>;

/// A store per client, for 16 live clients at once.
struct Stores(Clients<Store, 16>);

impl Server<Kv> for Stores {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<Reply, Error> {
        let store = self.0.entry(call.badge, BTreeMap::new).ok_or(Error::Full)?;
        match request {
            Request::Put { key, value } => {
                if store.len() >= MAX_KEYS && !store.contains_key(&key) {
                    return Err(Error::Full);
                }
                store.insert(key, value);
                Some(Reply::Stored)
            }
            Request::Get { key } => store.get(&key).cloned().map(Reply::Value),
            Request::Remove { key } => store.remove(&key).map(|_| Reply::Removed),
            Request::Count => Some(Reply::Count(store.len() as u32)),
            Request::List { after } => Some(page(store, after)),
        }
        .ok_or(Error::NotFound)
    }
}

/// The keys of `store` after `after`, a page at a time: a reply holds at most `KEYS_PER_PAGE`.
fn page(store: &Store, after: Option<Key>) -> Reply {
    let from = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut rest = store
        .range((from, Bound::Unbounded))
        .map(|(k, _)| k.clone());
    let keys: Keys = rest.by_ref().take(KEYS_PER_PAGE).collect();
    Reply::Keys {
        keys,
        more: rest.next().is_some(),
    }
}

fn main() -> i32 {
    names::register_and_serve::<Kv, _>("kv", &mut Stores(Clients::new()))
}
