//! kv: an example server — a key-value store (string keys, byte values) on the heap, registered as
//! "kv". The protocol is `src/protocol/kv.rs`; `kvclient` uses it.
//!
//! A server must answer whatever happens, so the store grows only through fallible allocation
//! (`try_reserve`): when the heap cannot grow (its job's quota or all memory is used), a `Put` of a
//! new key is answered `NoMemory` and the store carries on. (A `BTreeMap` would abort the program
//! on a failed allocation.)
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use examples::protocol::kv::{Error, Key, Keys, Kv, Reply, Request, Value, KEYS_PER_PAGE};
use userlib::names;
use userlib::rpc::{Call, Server};

userlib::sbrk_heap!();
userlib::entry!(main);

/// Most keys stored (so no client can make the store take all memory).
const MAX_KEYS: usize = 1024;

/// The entries, sorted by key (a binary search finds one).
struct Store(Vec<(Key, Value)>);

impl Store {
    fn find(&self, key: &Key) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.cmp(key))
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

impl Server<Kv> for Store {
    fn handle(&mut self, _call: &mut Call, request: Request) -> Result<Reply, Error> {
        match request {
            Request::Put { key, value } => match self.find(&key) {
                Ok(at) => {
                    self.0[at].1 = value;
                    Ok(Reply::Stored)
                }
                Err(_) if self.0.len() >= MAX_KEYS => Err(Error::Full),
                Err(at) => {
                    self.0.try_reserve(1).map_err(|_| Error::NoMemory)?;
                    self.0.insert(at, (key, value));
                    Ok(Reply::Stored)
                }
            },
            Request::Get { key } => match self.find(&key) {
                Ok(at) => Ok(Reply::Value(self.0[at].1.clone())),
                Err(_) => Err(Error::NotFound),
            },
            Request::Remove { key } => match self.find(&key) {
                Ok(at) => {
                    self.0.remove(at);
                    Ok(Reply::Removed)
                }
                Err(_) => Err(Error::NotFound),
            },
            Request::Count => Ok(Reply::Count(self.0.len() as u32)),
            Request::List { after } => Ok(self.page(after)),
        }
    }
}

fn main() -> i32 {
    names::register_and_serve::<Kv, _>("kv", &mut Store(Vec::new()))
}
