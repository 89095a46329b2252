//! The counter tutorial's protocol (docs/writing-a-server.md): a server keeps one running total per
//! client. Shared by `counter` (the server) and `count` (a client), which include this file.
use serde::{Deserialize, Serialize};
use userlib::rpc::{MaxSize, Protocol};

/// The protocol: its id and types.
pub struct Counter;

#[derive(Serialize, Deserialize, MaxSize, Debug)]
pub enum Request {
    /// Adds to the caller's total; the reply is the new total.
    Add(u64),
    /// The reply is the caller's total.
    Get,
}

/// What can go wrong.
#[derive(Serialize, Deserialize, MaxSize, Debug, PartialEq, Eq)]
pub enum Error {
    /// The total would exceed `u64::MAX`.
    Overflow,
    /// The server keeps totals for this many clients at most.
    TooManyClients,
}

impl Protocol for Counter {
    const ID: u16 = 0xC0DE;
    const NAME: &'static str = "counter";
    type Request = Request;
    type Reply = u64;
    type Error = Error;
}
