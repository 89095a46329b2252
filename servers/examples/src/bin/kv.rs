//! kv: an example server — a key-value store (string keys, byte values) on the heap, registered as
//! "kv". Each client has a store of its own (told apart by the badge the name service gave it),
//! which goes when a new client needs its place after it has ended: no client can fill the server
//! for others, nor leave its keys behind for good. The protocol is `src/protocol/kv.rs`;
//! `kvclient` uses it.
//!
//! A server must answer whatever happens, so a store grows only through fallible allocation
//! (`try_reserve`): when the heap cannot grow (its job's quota or all memory is used), a `Put` of a
//! new key is answered `NoMemory` and the store carries on. (A `BTreeMap` would abort the program
//! on a failed allocation.)
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use examples::protocol::kv::{Error, Key, Keys, Kv, Reply, Request, Value, KEYS_PER_PAGE};
use userlib::clients::Clients;
use userlib::names;
use userlib::rpc::{Call, Server};

userlib::sbrk_heap!();
userlib::entry!(main);

/// Most keys one client stores (so no client can make the server take all memory).
const MAX_KEYS: usize = 64;

/// A store per client, for 16 live clients at once.
struct Stores(Clients<Store, 16>);

impl Server<Kv> for Stores {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<Reply, Error> {
        let store = self.0.entry(call.badge, Store::default);
        let store = store.ok_or(Error::Full)?;
        match request {
            Request::Put { key, value } => store.put(key, value).map(|()| Reply::Stored),
            Request::Get { key } => store.get(&key).cloned().map(Reply::Value),
            Request::Remove { key } => store.remove(&key).map(|_| Reply::Removed),
            Request::Count => Ok(Reply::Count(store.0.len() as u32)),
            Request::List { after } => Ok(store.page(after)),
        }
    }
}

/// One client's entries, sorted by key (a binary search finds one).
#[derive(Default)]
struct Store(Vec<(Key, Value)>);

impl Store {
    fn find(&self, key: &Key) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.cmp(key))
    }

    fn put(&mut self, key: Key, value: Value) -> Result<(), Error> {
        match self.find(&key) {
            Ok(at) => self.0[at].1 = value,
            Err(_) if self.0.len() >= MAX_KEYS => return Err(Error::Full),
            Err(at) => {
                self.0.try_reserve(1).map_err(|_| Error::NoMemory)?;
                self.0.insert(at, (key, value));
            }
        }
        Ok(())
    }

    fn get(&self, key: &Key) -> Result<&Value, Error> {
        let at = self.find(key).map_err(|_| Error::NotFound)?;
        Ok(&self.0[at].1)
    }

    fn remove(&mut self, key: &Key) -> Result<(Key, Value), Error> {
        let at = self.find(key).map_err(|_| Error::NotFound)?;
        Ok(self.0.remove(at))
    }

    /// The keys after `after`, a page at a time: a reply holds at most `KEYS_PER_PAGE`.
    fn page(&self, after: Option<Key>) -> Reply {
        let from = match after {
            Some(key) => self.find(&key).map_or_else(|at| at, |at| at + 1),
            None => 0,
        };
        let mut rest = self.0[from..].iter().map(|(k, _)| k.clone());
        let keys: Keys = rest.by_ref().take(KEYS_PER_PAGE).collect();
        Reply::Keys {
            keys,
            more: rest.next().is_some(),
        }
    }
}

fn main() -> i32 {
    names::register_and_serve::<Kv, _>("kv", &mut Stores(Clients::new()))
}
