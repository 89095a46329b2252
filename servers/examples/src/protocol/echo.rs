//! The echo/log server's protocol. Shared by `echo` (the server), `echoclient` and `ipcbench`
//! (which times a typed call with `Ping`).
use serde::{Deserialize, Serialize};
use userlib::rpc::{MaxSize, Protocol};

/// Longest echoed payload, in bytes (more than the 32 that fit in registers, so an echo can show
/// the IPC-buffer path; small, because every request is as large as its largest variant).
pub const MAX_BYTES: usize = 64;
/// Longest logged line, in bytes.
pub const MAX_LINE: usize = 64;
/// A payload.
pub type Bytes = heapless::Vec<u8, MAX_BYTES>;
/// A log line.
pub type Line = heapless::String<MAX_LINE>;

/// The protocol: its id and types.
pub struct Echo;

impl Protocol for Echo {
    const ID: u16 = 0xEC40;
    const NAME: &'static str = "echo";
    type Request = Request;
    type Reply = Reply;
    type Error = ();
}

#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Reply: `Pong` with the same number (the smallest typed call: it stays in registers).
    Ping(u64),
    /// Reply: `Echoed` with the same bytes.
    Echo(Bytes),
    /// The server prints the line, tagged with the client's badge. Reply: `Logged` with how many
    /// lines this client has logged.
    Log(Line),
}

#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Pong(u64),
    Echoed(Bytes),
    Logged(u32),
}
