//! The key-value store's protocol: string keys, byte values, a store per client. Shared by `kv`
//! (the server) and `kvclient`, which include this file; other programs can too.
use serde::{Deserialize, Serialize};
use userlib::rpc::{MaxSize, Protocol};

/// Longest key, in bytes.
pub const MAX_KEY: usize = 32;
/// Longest value, in bytes (a `Put` with both at their longest still fits one message).
pub const MAX_VALUE: usize = 256;
/// A key.
pub type Key = heapless::String<MAX_KEY>;
/// A value.
pub type Value = heapless::Vec<u8, MAX_VALUE>;
/// Keys in one `List` reply: a page, so the reply stays within a message however many keys the
/// store holds (8 keys of at most 33 encoded bytes each: 267 bytes at most, `Reply`'s largest).
pub const KEYS_PER_PAGE: usize = 8;
/// One page of keys.
pub type Keys = heapless::Vec<Key, KEYS_PER_PAGE>;

/// The protocol: its id and types.
pub struct Kv;

impl Protocol for Kv {
    const ID: u16 = 0x4b56;
    const NAME: &'static str = "kv";
    type Request = Request;
    type Reply = Reply;
    type Error = Error;
}

// Protocol types live without a heap (no Box): every value is as large as its largest variant.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Stores `value` under `key`, replacing what was there. Reply: `Stored`.
    Put { key: Key, value: Value },
    /// Reply: `Value` with what is stored under `key`.
    Get { key: Key },
    /// Removes `key`. Reply: `Removed`.
    Remove { key: Key },
    /// Reply: `Count` of the keys the caller has stored.
    Count,
    /// Reply: `Keys`, the first [`KEYS_PER_PAGE`] keys in order after `after` (from the first
    /// with `None`); ask again from the last one while `more` says there are more.
    List { after: Option<Key> },
}

// Protocol types live without a heap (no Box): every value is as large as its largest variant.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Stored,
    Value(Value),
    Removed,
    Count(u32),
    Keys { keys: Keys, more: bool },
}

#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// No value is stored under the key.
    NotFound,
    /// The caller's store holds as many keys as it may, or the server has stores for as many
    /// live clients as it can.
    Full,
    /// The server has no memory for another key (its heap cannot grow): the store is unchanged.
    NoMemory,
}
