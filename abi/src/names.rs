//! The name service's protocol: servers register a name for an endpoint, clients look names up
//! and get a capability to the server, badged for them. A typed protocol (`abi::wire`,
//! `userlib::rpc`); the client side is `userlib::names`, the server `servers/names`.
//! Every program reaches the service through `slots::NAMES`, badged with its own id, so the
//! service knows who asks. See `docs/writing-a-server.md`.
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
/// of the service has its own.
pub const SERVER_BADGES: u64 = 1 << 32;
/// Names one client may hold registered at once.
pub const NAMES_PER_CLIENT: usize = 4;

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Request {
    /// Carries one capability: the endpoint (with `SEND`) that clients will reach the server by.
    /// The name stays registered until its owner unregisters it or the endpoint is destroyed (the
    /// memory server destroys a process's own endpoint when it ends).
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
}

/// Why the service refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum NameError {
    /// No server has registered that name (after waiting, if the lookup asked to wait).
    NotFound,
    /// A live server holds that name already.
    Taken,
    /// The caller holds [`NAMES_PER_CLIENT`] names, or the service's table is full.
    Full,
    /// Too many lookups are waiting already.
    Busy,
    /// The capability sent with `Register` is not an endpoint with `SEND`.
    NotAnEndpoint,
    /// The name was registered by another client.
    NotYours,
    /// Empty, too long, or with spaces or control characters.
    BadName,
    /// The caller offered no slot for the capability, or it could not be delivered.
    NoSlot,
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
