//! The key-value store's protocol: string keys, byte values, a store per client. Shared by `kv`
//! (the server) and `kvclient`, which include this file; other programs can too.
use serde::{Deserialize, Serialize};
use userlib::rpc::Protocol;

/// Longest key, in bytes.
pub const MAX_KEY: usize = 32;
/// Longest value, in bytes (a `Put` with both at their longest still fits one message).
pub const MAX_VALUE: usize = 256;
/// A key.
pub type Key = heapless::String<MAX_KEY>;
/// A value.
pub type Value = heapless::Vec<u8, MAX_VALUE>;

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
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Stores `value` under `key`, replacing what was there. Reply: `Stored`.
    Put { key: Key, value: Value },
    /// Reply: `Value` with what is stored under `key`.
    Get { key: Key },
    /// Removes `key`. Reply: `Removed`.
    Remove { key: Key },
    /// Reply: `Count` of the keys the caller has stored.
    Count,
}

// Protocol types live without a heap (no Box): every value is as large as its largest variant.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Stored,
    Value(Value),
    Removed,
    Count(u32),
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// No value is stored under the key.
    NotFound,
    /// The caller's store holds as many keys as it may, or the server has stores for as many
    /// live clients as it can.
    Full,
}
