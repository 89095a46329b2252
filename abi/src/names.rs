//! The name service's protocol: servers register a name for an endpoint, clients look names up
//! and get a capability to the server, badged for them. A typed protocol (`abi::wire`,
//! `userlib::rpc`); the client side is `userlib::names`, the server `servers/names`.
//! Every program reaches the service through `slots::NAMES`, badged with its own id (never
//! reused in a run), so the service knows who asks; the system (init, the memory server) holds
//! unbadged capabilities and tells it when programs start and end. Only calls are answered: a
//! request only sent is dropped. See `docs/writing-a-server.md`.
//!
//! ```
//! use abi::names::{valid_name, Name, Request, MAX_WAIT_TICKS};
//! use abi::HZ;
//!
//! // What `userlib::names::lookup("kv", slot, HZ as u32)` sends: find "kv", waiting up to 1 s.
//! let request = Request::Lookup {
//!     name: Name::try_from("kv").unwrap(),
//!     wait_ticks: HZ as u32,
//! };
//! assert!(matches!(request, Request::Lookup { wait_ticks: 100, .. }));
//! assert!(HZ as u32 <= MAX_WAIT_TICKS);
//!
//! // Names: 1 to 24 printable bytes, no spaces.
//! assert!(valid_name("kv") && valid_name("log.v2"));
//! assert!(!valid_name("") && !valid_name("my server"));
//! ```

use postcard::experimental::max_size::MaxSize;
use serde::{Deserialize, Serialize};

/// The protocol id in request labels.
pub const PROTOCOL: u16 = 0x4e53;
/// The longest name, in bytes.
pub const MAX_NAME: usize = 24;
/// A registered name (UTF-8, 1 to [`MAX_NAME`] bytes, no spaces or control characters).
pub type Name = heapless::String<MAX_NAME>;
/// The longest wait for a name a client may ask for (10 s).
pub const MAX_WAIT_TICKS: u32 = 10 * crate::HZ as u32;
/// The badges of the servers init starts itself start here (above every pid), so that each client
/// of the service has its own. Init numbers them in start order and never reuses one.
pub const SERVER_BADGES: u64 = 1 << 32;
/// Names registered for one endpoint object at once (whoever registers them).
pub const NAMES_PER_ENDPOINT: usize = 4;
/// Names one job holds registered at once. A job is the processes init started for one program
/// and all their descendants, so forking more registrants does not get a program more names.
pub const NAMES_PER_JOB: usize = 8;
/// Lookups one job may have held (waiting for a name) at once.
pub const WAITS_PER_JOB: usize = 2;
/// Most ids one [`Request::Gone`] asks about.
pub const MAX_GONE: usize = 16;
/// A program's name, as the memory server knows it (`abi::memsrv::NAME_MAX` bytes at most).
pub type Program = heapless::String<{ crate::memsrv::NAME_MAX }>;

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Request {
    /// Carries one capability: the endpoint (with `SEND`) that clients will reach the server by.
    /// The name stays registered until its owner unregisters it or ends, or the endpoint is
    /// destroyed (the memory server destroys a process's own endpoint when it ends). A reserved
    /// name only the program of that name may register ([`NameError::Reserved`]).
    Register {
        /// The name clients will look up.
        name: Name,
    },
    /// The reply [`Reply::Found`] carries a capability to the server's endpoint (`SEND` and
    /// `GRANT`) badged with the caller's id, into the first slot the caller offers. With
    /// `wait_ticks` > 0 and the name not registered yet, the service holds the call until the name
    /// appears (reply [`Reply::Registered`]: ask again) or about that many timer ticks pass
    /// ([`NameError::NotFound`]). At most [`MAX_WAIT_TICKS`].
    Lookup {
        /// The name to find.
        name: Name,
        /// How long to wait for it to be registered, in timer ticks (0: answer at once).
        wait_ticks: u32,
    },
    /// Frees a name the caller registered.
    Unregister {
        /// The name to free.
        name: Name,
    },
    /// Which of these ids have ended? The reply [`Reply::Gone`] has bit `i` set if `ids[i]` is not
    /// a live program: the id ended, or never was one (0, the system, is always live). Ids are
    /// never reused, so a server may forget the state it keeps for a badge whose bit is set, for
    /// good. For badges the service minted (a lookup's capability carries the asker's id).
    Gone {
        /// At most [`MAX_GONE`] badges.
        ids: heapless::Vec<u64, MAX_GONE>,
    },
    /// The system only (init and the memory server, whose capabilities are unbadged): program
    /// `id` is about to use the service; it belongs to job `job` (its own id if it begins one:
    /// a program init started). Sent as a notice (no reply), or called: reply [`Reply::Noted`].
    Started {
        /// Its id: the badge of its capability to the service.
        id: u64,
        /// Its job: the id of the program init started it from (the memory server's jobs).
        job: u64,
        /// The program it runs.
        program: Program,
    },
    /// The system only: program `id` has ended. Its names and held lookups go at once. Sent as a
    /// notice (no reply), or called: reply [`Reply::Noted`].
    Ended {
        /// Its id.
        id: u64,
    },
    /// The system only: only a program of that name may register `name` (init reserves the
    /// names of the registry's servers and system servers before any program runs).
    Reserve {
        /// The name, which is also the program's.
        name: Name,
    },
}

/// What the service answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Reply {
    /// The name is registered (by this call, or while a lookup waited).
    Registered,
    /// A capability to the server came with this reply.
    Found,
    /// The name is free again.
    Unregistered,
    /// Bit `i` set: the `i`-th id asked about has ended (see [`Request::Gone`]).
    Gone(u32),
    /// A system message was taken into account.
    Noted,
}

/// Why the service refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum NameError {
    /// No server has registered that name (after waiting, if the lookup asked to wait).
    NotFound,
    /// A live server holds that name already.
    Taken,
    /// The endpoint has [`NAMES_PER_ENDPOINT`] names, the caller's job [`NAMES_PER_JOB`], or the
    /// service's table is full.
    Full,
    /// The caller's job has [`WAITS_PER_JOB`] lookups waiting, or the service holds as many as it
    /// can (or it has no record of the caller).
    Busy,
    /// The capability sent with `Register` is not an endpoint with `SEND`.
    NotAnEndpoint,
    /// The name was registered by another client.
    NotYours,
    /// Empty, too long, or with spaces or control characters.
    BadName,
    /// The caller offered no slot for the capability, or it could not be delivered.
    NoSlot,
    /// The name is reserved for the program of that name (a server init starts).
    Reserved,
    /// Only the system (init, the memory server) may send this request.
    NotAllowed,
}

/// Is `name` acceptable (1 to [`MAX_NAME`] bytes, printable, no spaces)?
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("kv") && valid_name("log.v2"));
        assert!(!valid_name("") && !valid_name("a b") && !valid_name("a\n"));
        assert!(!valid_name("abcdefghijklmnopqrstuvwxyz"));
    }
}
