//! The protocol of `probe`, a typed server the tests take to its edges, and its client
//! `probetest`: a request that lends a capability the server calls back with a timeout, and a
//! reply that does not fit a message.
use serde::{Deserialize, Serialize};
use userlib::rpc::{MaxSize, Protocol};

/// The protocol: its id and types.
pub struct Probe;

impl Protocol for Probe {
    const ID: u16 = 0x9B0E;
    const NAME: &'static str = "probe";
    type Request = Request;
    type Reply = Reply;
    type Error = ();
    fn caps(request: &Request) -> usize {
        matches!(request, Request::CallBack(_)) as usize
    }
}

#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Reply: `Pong` with the same number.
    Ping(u64),
    /// Carries one endpoint, which the server calls with `Ping(n)` (half a second at most).
    /// Reply: `Called` with what came of it.
    CallBack(u64),
    /// Reply: `Blob`, which does not fit a message (its `MaxSize` understates on purpose).
    Oversize,
}

// Protocol types live without a heap (no Box): every value is as large as its largest variant.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Pong(u64),
    Called(Outcome),
    Blob(Understated),
}

/// What calling a lent endpoint came to.
#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered(u64),
    TimedOut,
    Failed,
}

/// Bytes whose `MaxSize` says 8, wrongly: the only way a reply can be too long at run time.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Understated(pub heapless::Vec<u8, BLOB_BYTES>);

/// The bytes in a `Blob`: more than a message holds.
pub const BLOB_BYTES: usize = 600;

impl MaxSize for Understated {
    const POSTCARD_MAX_SIZE: usize = 8;
}
