//! Typed protocols: requests, replies and errors are Rust types (serde), encoded in postcard's
//! format into kernel messages as `abi::wire` describes. A request of up to 32 encoded bytes with
//! no capabilities stays in registers (the IPC fast path); longer ones use the IPC buffer.
//!
//! By job: `encoder.rs` and `decoder.rs` (the codec: postcard's format, written and read in the
//! message words, inlined into each call), `client.rs` ([`Client`]), `server.rs` (a request as a
//! server sees it, [`Server`], the checks and the reply messages), `serve.rs` (the server loops),
//! `deferred.rs` (answering later).
//!
//! A protocol is a type implementing [`Protocol`], defined once where both sides can use it. The
//! client side is [`Client`]; the server side is the [`Server`] trait and [`serve`], which decodes
//! each request, checks it, calls the handler and replies. Bad input (another protocol's label, a
//! byte count that does not match, undecodable bytes, the wrong number of capabilities) is
//! answered with a [`Rejection`] and counted; it never reaches the handler or stops the loop.
//! Every type says its largest encoding ([`MaxSize`]), checked against the message size when the
//! protocol is used, at compile time.
//!
//! A whole protocol, its server and a client (`docs/writing-a-server.md` builds one step by step):
//!
//! ```ignore
//! use serde::{Deserialize, Serialize};
//! use userlib::rpc::{self, Call, Client, MaxSize, Protocol, Server};
//! use userlib::{cap, names, println, CapSlot, HZ};
//!
//! // The protocol, in a library both sides use.
//! pub struct Echo;
//!
//! #[derive(Serialize, Deserialize, MaxSize, Debug)]
//! pub enum Request {
//!     Ping(u64),
//! }
//!
//! impl Protocol for Echo {
//!     const ID: u16 = 0xEC40;
//!     const NAME: &'static str = "echo";
//!     type Request = Request;
//!     type Reply = u64;
//!     type Error = ();
//! }
//!
//! // The server: one handler, run by `serve`.
//! struct EchoServer;
//!
//! impl Server<Echo> for EchoServer {
//!     fn handle(&mut self, _call: &mut Call, request: Request) -> Result<u64, ()> {
//!         let Request::Ping(n) = request;
//!         Ok(n)
//!     }
//! }
//!
//! fn server_main() -> i32 {
//!     if let Err(e) = names::register("echo", cap::own()) {
//!         println!("echo: cannot register: {e:?}");
//!         return 1;
//!     }
//!     let error = rpc::serve(cap::own(), &[], &mut EchoServer);
//!     println!("echo: stopped serving: {error}");
//!     1
//! }
//!
//! // The client: finds the server by name, waiting up to a second for it.
//! fn client_main() -> i32 {
//!     let echo: Client<Echo> = match names::connect("echo", CapSlot(8), HZ as u32) {
//!         Ok(client) => client,
//!         Err(e) => {
//!             println!("no echo server: {e:?}");
//!             return 1;
//!         }
//!     };
//!     match echo.call(&Request::Ping(7)) {
//!         Ok(7) => 0,
//!         other => {
//!             println!("echo answered {other:?}");
//!             1
//!         }
//!     }
//! }
//! ```

mod client;
mod decoder;
mod deferred;
mod encoder;
mod serve;
mod server;

pub use client::Client;
pub use decoder::decode;
pub use deferred::{reply_later, Deferred};
pub use encoder::encode;
pub use serve::{serve, serve_ticking};
pub use server::{decode_request, rejection, reply_message, Call, Server};

use abi::wire::{Rejection, MAX_BYTES};
use abi::SysError;
use core::marker::PhantomData;
/// The largest encoding of a type: derive it beside `Serialize` (`#[derive(Serialize,
/// Deserialize, MaxSize)]`; the crate needs `postcard` among its dependencies, as the derive
/// names it).
pub use postcard::experimental::max_size::MaxSize;
use serde::{de::DeserializeOwned, Serialize};

/// A typed protocol: the types its requests, replies and errors have.
///
/// The types need a fixed largest size (no heap: `heapless::String<N>`, `heapless::Vec<T, N>`), at
/// most [`MAX_BYTES`] encoded, which they say by deriving [`MaxSize`]; a protocol whose request,
/// reply or error could encode to more does not compile where it is used (a call or a server of
/// it). Up to [`abi::wire::REG_BYTES`] keeps a call on the fast path. A request that carries
/// capabilities says how many in [`Protocol::caps`]:
///
/// ```ignore
/// use serde::{Deserialize, Serialize};
/// use userlib::rpc::{MaxSize, Protocol};
///
/// pub struct Notifier;
///
/// #[derive(Serialize, Deserialize, MaxSize)]
/// pub enum Request {
///     /// Carries one capability: an endpoint the server will send events to.
///     Subscribe { topic: heapless::String<16> },
///     Publish { topic: heapless::String<16>, event: u64 },
/// }
///
/// #[derive(Serialize, Deserialize, MaxSize)]
/// pub enum Error {
///     NoSuchTopic,
///     TooManySubscribers,
/// }
///
/// impl Protocol for Notifier {
///     const ID: u16 = 0x4E54;
///     const NAME: &'static str = "notifier";
///     type Request = Request;
///     type Reply = ();
///     type Error = Error;
///     fn caps(request: &Request) -> usize {
///         matches!(request, Request::Subscribe { .. }) as usize
///     }
/// }
/// ```
pub trait Protocol {
    /// Sent in every request's label; a server rejects requests with another id.
    const ID: u16;
    /// For messages on the console.
    const NAME: &'static str;
    /// What clients send; usually an enum, one variant per operation.
    type Request: Serialize + DeserializeOwned + MaxSize;
    /// What the server answers on success.
    type Reply: Serialize + DeserializeOwned + MaxSize;
    /// What the server answers on failure: errors are values, delivered as [`CallError::Server`].
    type Error: Serialize + DeserializeOwned + MaxSize;
    /// How many capabilities `request` carries; a request that arrives with another number is
    /// rejected with [`Rejection::WrongCaps`] (and the capabilities that came are deleted).
    fn caps(_request: &Self::Request) -> usize {
        0
    }
}

/// Why a typed call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallError<E> {
    /// The server's answer: the protocol's error.
    Server(E),
    /// The server did not act on the request (see [`Rejection`]).
    Rejected(Rejection),
    /// The kernel refused the call: `StaleCap` or `PeerDied` when the server is gone.
    Sys(SysError),
    /// The reply did not decode as this protocol's reply or error.
    BadReply,
    /// The request encodes to more than [`MAX_BYTES`] bytes.
    TooLong,
    /// The server handled the request, but its reply needed this many bytes, more than
    /// [`MAX_BYTES`], and was not sent: the server's bug (its protocol's sizes are wrong).
    ReplyTooLong(usize),
}

impl<E: core::fmt::Debug> core::fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CallError::Server(e) => write!(f, "the server answered {e:?}"),
            CallError::Rejected(why) => write!(f, "rejected ({why:?}): {}", why.why()),
            CallError::Sys(e) => write!(f, "the kernel refused the call: {e}"),
            CallError::BadReply => f.write_str("the reply is not this protocol's"),
            CallError::TooLong => write!(f, "the request encodes to more than {MAX_BYTES} bytes"),
            CallError::ReplyTooLong(n) => write!(
                f,
                "the server's reply needed {n} bytes, more than {MAX_BYTES}: its protocol's sizes \
                 are wrong"
            ),
        }
    }
}

impl<E> From<SysError> for CallError<E> {
    fn from(e: SysError) -> Self {
        CallError::Sys(e)
    }
}

/// The compile-time check that a protocol's messages fit: evaluated (and so checked) wherever a
/// call or a server of `P` is compiled.
pub(crate) struct Fits<P>(PhantomData<P>);

impl<P: Protocol> Fits<P> {
    pub(crate) const CHECKED: () = {
        assert!(
            P::Request::POSTCARD_MAX_SIZE <= MAX_BYTES,
            "a request of this protocol can encode to more than abi::wire::MAX_BYTES (512) bytes: \
             make its largest variant smaller (docs/writing-a-server.md, \"Sizing a protocol\")"
        );
        assert!(
            P::Reply::POSTCARD_MAX_SIZE <= MAX_BYTES,
            "a reply of this protocol can encode to more than abi::wire::MAX_BYTES (512) bytes: \
             send less per reply, or page it (docs/writing-a-server.md, \"Sizing a protocol\")"
        );
        assert!(
            P::Error::POSTCARD_MAX_SIZE <= MAX_BYTES,
            "an error of this protocol can encode to more than abi::wire::MAX_BYTES (512) bytes"
        );
    };
}

/// The largest encodings of `P`'s request and reply (or error), in bytes: what [`Fits`] checks.
pub const fn max_sizes<P: Protocol>() -> (usize, usize) {
    let (reply, error) = (P::Reply::POSTCARD_MAX_SIZE, P::Error::POSTCARD_MAX_SIZE);
    let answer = if reply > error { reply } else { error };
    (P::Request::POSTCARD_MAX_SIZE, answer)
}
#[cfg(test)]
mod codec_tests;
#[cfg(test)]
mod tests;
