//! kv: an example server — a key-value store (string keys, byte values) on the heap, registered as
//! "kv". The protocol is `src/protocol/kv.rs`; `kvclient` uses it.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use core::ops::Bound;
use examples::protocol::kv::{Error, Key, Keys, Kv, Reply, Request, Value, KEYS_PER_PAGE};
use userlib::names;
use userlib::rpc::{Call, Server};

userlib::sbrk_heap!();
userlib::entry!(main);

/// Most keys stored (so no client can make the store take all memory).
const MAX_KEYS: usize = 1024;

struct Store(BTreeMap<Key, Value>);

impl Server<Kv> for Store {
    fn handle(&mut self, _call: &mut Call, request: Request) -> Result<Reply, Error> {
        match request {
            Request::Put { key, value } => {
                if self.0.len() >= MAX_KEYS && !self.0.contains_key(&key) {
                    return Err(Error::Full);
                }
                self.0.insert(key, value);
                Some(Reply::Stored)
            }
            Request::Get { key } => self.0.get(&key).cloned().map(Reply::Value),
            Request::Remove { key } => self.0.remove(&key).map(|_| Reply::Removed),
            Request::Count => Some(Reply::Count(self.0.len() as u32)),
            Request::List { after } => Some(self.page(after)),
        }
        .ok_or(Error::NotFound)
    }
}

impl Store {
    /// The keys after `after`, a page at a time: a reply holds at most `KEYS_PER_PAGE`.
    fn page(&self, after: Option<Key>) -> Reply {
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rest = self
            .0
            .range((from, Bound::Unbounded))
            .map(|(k, _)| k.clone());
        let keys: Keys = rest.by_ref().take(KEYS_PER_PAGE).collect();
        Reply::Keys {
            keys,
            more: rest.next().is_some(),
        }
    }
}

fn main() -> i32 {
    names::register_and_serve::<Kv, _>("kv", &mut Store(BTreeMap::new()))
}
