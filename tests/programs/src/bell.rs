//! The protocol of `bell`, a typed server that also takes notifications, and its client
//! `belltest` (tests/tests/notifications.rs).
use serde::{Deserialize, Serialize};
use userlib::rpc::{MaxSize, Protocol};

/// The protocol: its id and types.
pub struct Bell;

impl Protocol for Bell {
    const ID: u16 = 0xBE11;
    const NAME: &'static str = "bell";
    type Request = Request;
    type Reply = Reply;
    type Error = ();
    fn caps(request: &Request) -> usize {
        2 * matches!(request, Request::Attach) as usize
    }
}

#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Carries two notifications: one (wait rights) the server binds to itself, and one (signal
    /// rights) it signals each time its bound one brings bits. Reply: `Done`.
    Attach,
    /// Reply: `Seen` with the bits its bound notification brought so far, and how many times.
    Seen,
    /// Reply: `Pong` with the same number.
    Ping(u64),
}

#[derive(Serialize, Deserialize, MaxSize, Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Done,
    Seen {
        bits: u64,
        times: u64,
    },
    Pong(u64),
    /// `Attach` did not work: the error code of the step that failed.
    Failed(u64),
}
