//! kv: an example server — a key-value store (string keys, byte values) on the heap, registered as
//! "kv". The protocol is `src/protocol/kv.rs`; `kvclient` uses it.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use examples::protocol::kv::{Error, Key, Kv, Reply, Request, Value};
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
        }
        .ok_or(Error::NotFound)
    }
}

fn main() -> i32 {
    names::register_and_serve::<Kv, _>("kv", &mut Store(BTreeMap::new()))
}
