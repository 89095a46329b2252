//! Typed protocols: requests, replies and errors are Rust types (serde), encoded with postcard into
//! kernel messages as `abi::wire` describes. A request of up to 32 encoded bytes with no
//! capabilities stays in registers (the IPC fast path); longer ones use the IPC buffer.
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

use crate::ipc::{self, Received};
use crate::{cap::Endpoint, println, sys};
use abi::msg::{MAX_CAPS, REG_WORDS};
use abi::wire::{self, Rejection, ReplyKind, MAX_BYTES, REG_BYTES};
use abi::{CapSlot, Message, MsgTag, SysError};
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
struct Fits<P>(PhantomData<P>);

impl<P: Protocol> Fits<P> {
    const CHECKED: () = {
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

/// Writes postcard's bytes straight into message words: the first [`REG_BYTES`] into register
/// words, the rest into the IPC buffer (touched only by messages that need it).
struct WordWriter {
    regs: [u64; REG_WORDS],
    len: usize,
    /// The IPC-buffer word being filled.
    pending: u64,
}

impl postcard::ser_flavors::Flavor for WordWriter {
    type Output = (usize, [u64; REG_WORDS]);

    #[inline]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        let (at, shift) = (self.len / 8, (self.len % 8) * 8);
        if at < REG_WORDS {
            self.regs[at] |= (byte as u64) << shift;
        } else if self.len < MAX_BYTES {
            self.pending |= (byte as u64) << shift;
            if shift == 56 {
                ipc::set_ipc_word(at, core::mem::take(&mut self.pending));
            }
        } else {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.len += 1;
        Ok(())
    }

    #[inline]
    fn finalize(self) -> postcard::Result<Self::Output> {
        // A partial last word beyond the registers is still pending.
        if self.len % 8 != 0 && self.len / 8 >= REG_WORDS {
            ipc::set_ipc_word(self.len / 8, self.pending);
        }
        Ok((self.len, self.regs))
    }
}

/// Encodes `value` into message words: (byte count, register words).
#[inline]
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Option<(usize, [u64; REG_WORDS])> {
    let writer = WordWriter {
        regs: [0; REG_WORDS],
        len: 0,
        pending: 0,
    };
    postcard::serialize_with_flavor(value, writer).ok()
}

/// Decodes `len` bytes of a message whose register words are `regs` (the rest from the IPC
/// buffer); `None` unless they are exactly one `T`.
#[inline]
pub fn decode<T: DeserializeOwned>(len: usize, regs: &[u64; REG_WORDS]) -> Option<T> {
    let exact = |bytes: &[u8]| match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    };
    if len <= REG_BYTES {
        let mut bytes = [0u8; REG_BYTES];
        for (chunk, w) in bytes.as_chunks_mut::<8>().0.iter_mut().zip(regs) {
            *chunk = w.to_le_bytes();
        }
        return exact(&bytes[..len]);
    }
    if len > MAX_BYTES {
        return None;
    }
    let mut bytes = [0u8; MAX_BYTES];
    let words = len.div_ceil(8);
    for (i, chunk) in bytes.as_chunks_mut::<8>().0[..words].iter_mut().enumerate() {
        *chunk = if i < REG_WORDS {
            regs[i]
        } else {
            ipc::ipc_word(i)
        }
        .to_le_bytes();
    }
    exact(&bytes[..len])
}

/// A client of a server speaking protocol `P`, through an endpoint capability.
pub struct Client<P> {
    endpoint: Endpoint,
    protocol: PhantomData<fn() -> P>,
}

impl<P> Clone for Client<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for Client<P> {}

impl<P: Protocol> Client<P> {
    /// A client calling through `endpoint` (which needs `SEND`; `GRANT` to send capabilities).
    pub const fn new(endpoint: Endpoint) -> Self {
        Client {
            endpoint,
            protocol: PhantomData,
        }
    }

    /// The endpoint this client calls.
    pub const fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// Sends `request` and waits for the reply.
    ///
    /// ```ignore
    /// // The tutorial's protocol (docs/writing-a-server.md):
    /// use protocol::{Counter, Error, Request};
    /// use userlib::rpc::CallError;
    /// use userlib::{names, println, CapSlot, SysError, HZ};
    ///
    /// # fn f() -> Result<(), names::Error> {
    /// let counter = names::connect::<Counter>("counter", CapSlot(8), HZ as u32)?;
    /// match counter.call(&Request::Add(1)) {
    ///     Ok(total) => println!("total: {total}"),
    ///     // The protocol's own error, as the server returned it.
    ///     Err(CallError::Server(Error::Overflow)) => println!("the total would overflow"),
    ///     // The server has ended (before or during the call).
    ///     Err(CallError::Sys(SysError::StaleCap | SysError::PeerDied)) => println!("server gone"),
    ///     Err(e) => println!("call failed: {e:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    pub fn call(&self, request: &P::Request) -> Result<P::Reply, CallError<P::Error>> {
        self.call_with_caps_timeout(request, &[], &[], 0)
            .map(|(reply, _)| reply)
    }

    /// [`Client::call`] that gives up after `ticks` timer ticks (`abi::HZ` a second) with
    /// `CallError::Sys(TimedOut)`, whether the server never took the request (then it was not
    /// delivered) or never answered (then it may have acted on it; its late reply goes nowhere).
    /// For a capability nobody vouches for, such as one a client lent a server: the server then
    /// goes on serving its other clients whatever the lender does.
    ///
    /// ```ignore
    /// use userlib::rpc::CallError;
    /// use userlib::{println, SysError, HZ};
    /// # fn f(lent: userlib::rpc::Client<protocol::Counter>) {
    /// match lent.call_timeout(&protocol::Request::Get, HZ / 2) {
    ///     Ok(total) => println!("total: {total}"),
    ///     Err(CallError::Sys(SysError::TimedOut)) => println!("no answer within half a second"),
    ///     Err(e) => println!("call failed: {e}"),
    /// }
    /// # }
    /// ```
    #[inline]
    pub fn call_timeout(
        &self,
        request: &P::Request,
        ticks: u64,
    ) -> Result<P::Reply, CallError<P::Error>> {
        self.call_with_caps_timeout(request, &[], &[], ticks)
            .map(|(reply, _)| reply)
    }

    /// Sends `request` as a notice: one way, without waiting for an answer (the server acts on it
    /// and replies to nobody). It returns once the server has taken the request, so notices sent
    /// one after another arrive in order, and before any later call of the sender's. Only for
    /// requests the server accepts that way: `userlib::rpc::serve` answers every request, so a
    /// server that takes notices runs its own loop (the name service does, for the system's
    /// `Started` and `Ended`); others drop them.
    pub fn send(&self, request: &P::Request) -> Result<(), CallError<P::Error>> {
        let () = Fits::<P>::CHECKED;
        let (len, regs) = encode(request).ok_or(CallError::TooLong)?;
        let tag = MsgTag::new(wire::request_label(P::ID, len), wire::words_for(len), 0);
        Ok(sys::send(self.endpoint.slot(), tag, regs)?)
    }

    /// Sends `request` with the capabilities in `send` and offers the slots in `receive` for
    /// capabilities in the reply (for this call only: the slots offered before are offered again
    /// after it); returns the reply and how many capabilities arrived.
    pub fn call_with_caps(
        &self,
        request: &P::Request,
        send: &[CapSlot],
        receive: &[CapSlot],
    ) -> Result<(P::Reply, usize), CallError<P::Error>> {
        self.call_with_caps_timeout(request, send, receive, 0)
    }

    /// [`Client::call_with_caps`] that gives up after `ticks` timer ticks (0: never), as
    /// [`Client::call_timeout`] does. Every call goes through here: 0 is a plain `Call` (the fast
    /// path), anything else `CallTimeout`. (Its instantiations name each client's protocol types
    /// for the debugger, `runner/gdb/mikros.py`, which reads the unoptimised build.)
    #[inline]
    pub fn call_with_caps_timeout(
        &self,
        request: &P::Request,
        send: &[CapSlot],
        receive: &[CapSlot],
        ticks: u64,
    ) -> Result<(P::Reply, usize), CallError<P::Error>> {
        let () = Fits::<P>::CHECKED;
        if send.len() > MAX_CAPS {
            return Err(CallError::Sys(SysError::InvalidArgument));
        }
        let (len, regs) = encode(request).ok_or(CallError::TooLong)?;
        let tag = MsgTag::new(
            wire::request_label(P::ID, len),
            wire::words_for(len),
            send.len(),
        );
        if !send.is_empty() {
            ipc::set_send_caps(send);
        }
        // The caller's own offer (a server's, say) is put back after the call.
        let offered = (!receive.is_empty()).then(ipc::recv_slots_mask);
        if !receive.is_empty() {
            ipc::set_recv_slots(receive);
        }
        let reply = match ticks {
            0 => sys::call(self.endpoint.slot(), tag, regs),
            _ => sys::call_timeout(self.endpoint.slot(), tag, regs, ticks),
        };
        if let Some(mask) = offered {
            ipc::restore_recv_slots(mask);
        }
        decode_reply::<P>(&reply?)
    }
}

/// What a reply says: the protocol's reply (and how many capabilities came with it) or why not.
/// The kind comes first: a rejection has no bytes but a word, so its length says nothing.
#[inline]
fn decode_reply<P: Protocol>(reply: &Message) -> Result<(P::Reply, usize), CallError<P::Error>> {
    let label = reply.tag.label();
    let len = wire::label_len(label);
    match ReplyKind::from_raw(wire::label_high(label)) {
        Some(ReplyKind::Rejected) => Err(Rejection::from_raw(reply.words[0])
            .map(CallError::Rejected)
            .unwrap_or(CallError::BadReply)),
        Some(ReplyKind::TooLong) => Err(CallError::ReplyTooLong(reply.words[0] as usize)),
        _ if !wire::len_fits(label, reply.tag.words()) => Err(CallError::BadReply),
        Some(ReplyKind::Ok) => decode(len, &reply.words)
            .map(|r| (r, reply.tag.caps()))
            .ok_or(CallError::BadReply),
        Some(ReplyKind::Err) => Err(decode(len, &reply.words)
            .map(CallError::Server)
            .unwrap_or(CallError::BadReply)),
        None => Err(CallError::BadReply),
    }
}

/// One request as the server sees it: who sent it and the capabilities that came with it.
pub struct Call<'a> {
    /// The badge of the capability the client called through (for endpoints handed out by the
    /// name service: the client's id).
    pub badge: u64,
    /// The slots holding the request's capabilities (as many as [`Protocol::caps`] says; they
    /// arrive only in slots the server offers: `serve`'s `cap_slots`). They are emptied after the
    /// handler returns: copy one elsewhere (`cap_copy`) to keep it. Call a lent endpoint only
    /// with a timeout (`Client::call_timeout`): nobody vouches that anyone answers it.
    pub caps: &'a [CapSlot],
    reply_caps: heapless::Vec<CapSlot, MAX_CAPS>,
    /// Who waits for the reply (the kernel's reply target).
    sender: u64,
    /// [`Call::defer`] was asked: `serve` sends no reply now.
    deferred: bool,
}

/// A request whose answer comes later: [`Call::defer`] makes one, [`reply_later`] answers it.
/// Keep it with whatever the answer waits for; dropping it leaves the client waiting (until it
/// gives up, or the server ends and its call fails with `PeerDied`).
#[must_use = "the client waits until this is answered with rpc::reply_later"]
#[derive(Debug, PartialEq, Eq)]
pub struct Deferred {
    sender: u64,
    /// The badge the request came with (which client).
    pub badge: u64,
}

impl Call<'_> {
    /// Answers this request later, with [`reply_later`], instead of with the handler's result
    /// (which is then ignored): for a request that waits for something (a key, a name to be
    /// registered), while the server goes on serving others.
    pub fn defer(&mut self) -> Deferred {
        self.deferred = true;
        Deferred {
            sender: self.sender,
            badge: self.badge,
        }
    }

    /// Sends the capability in `slot` with the reply (copied; the slot keeps it). Replies can carry
    /// capabilities only if the server's endpoint capability has `GRANT`.
    pub fn reply_with_cap(&mut self, slot: CapSlot) {
        let _ = self.reply_caps.push(slot);
    }
}

/// A server of protocol `P`: one method that answers a request.
///
/// The tutorial's counter: one running total per client, told apart by the badge the name service
/// gave each client's capability (kept in a [`crate::clients::Clients`], so clients that ended
/// make room for new ones).
///
/// ```ignore
/// // The tutorial's protocol (docs/writing-a-server.md):
/// use protocol::{Counter, Error, Request};
/// use userlib::clients::Clients;
/// use userlib::rpc::{Call, Server};
///
/// struct Totals(Clients<u64, 16>);
///
/// impl Server<Counter> for Totals {
///     fn handle(&mut self, call: &mut Call, request: Request) -> Result<u64, Error> {
///         let total = self.0.entry(call.badge, || 0).ok_or(Error::TooManyClients)?;
///         if let Request::Add(n) = request {
///             *total = total.checked_add(n).ok_or(Error::Overflow)?;
///         }
///         Ok(*total)
///     }
/// }
/// ```
pub trait Server<P: Protocol> {
    /// Handles one request; the result is the reply (or the protocol's error).
    fn handle(&mut self, call: &mut Call, request: P::Request) -> Result<P::Reply, P::Error>;
    /// The serving task's bound notification (`cap::Notification::bind`) had `bits` set: they
    /// came instead of a request, and are cleared. By default they are ignored.
    fn notified(&mut self, bits: u64) {
        let _ = bits;
    }
    /// [`serve_ticking`] only: `ticks` timer ticks passed with no message (answer the deferred
    /// requests whose time is up).
    fn tick(&mut self) {}
}

/// Answers a request a handler deferred ([`Call::defer`]) with `result`, as `serve` would have.
/// Fails with `NoReplyTarget` if the client no longer waits (it gave up or ended): nothing to do.
pub fn reply_later<P: Protocol>(
    to: Deferred,
    result: &Result<P::Reply, P::Error>,
) -> Result<(), SysError> {
    let () = Fits::<P>::CHECKED;
    ipc::reply(to.sender, &reply_message::<P>(result, 0))
}

/// Checks and decodes a received message as a request of `P` (its capabilities too).
#[inline]
pub fn decode_request<P: Protocol>(msg: &Received) -> Result<P::Request, Rejection> {
    let () = Fits::<P>::CHECKED;
    let label = msg.label();
    if wire::label_high(label) != P::ID || msg.from_kernel() {
        return Err(Rejection::WrongProtocol);
    }
    if !wire::len_fits(label, msg.msg.tag.words()) {
        return Err(Rejection::BadLength);
    }
    let request: P::Request =
        decode(wire::label_len(label), &msg.msg.words).ok_or(Rejection::Undecodable)?;
    let (wanted, arrived) = (P::caps(&request), msg.msg.tag.caps());
    if wanted != arrived || msg.caps_lost() {
        let offered = ipc::recv_slots_mask().count_ones() as usize;
        return Err(caps_rejection(wanted, offered));
    }
    Ok(request)
}

/// Why a request that needs `wanted` capabilities did not bring exactly them, when the server
/// offers `offered` slots: too few slots is the server's doing, anything else the client's.
fn caps_rejection(wanted: usize, offered: usize) -> Rejection {
    if wanted > offered {
        Rejection::NoCapSlot
    } else {
        Rejection::WrongCaps
    }
}

/// The reply message for `result` carrying `caps` capabilities (named with `ipc::set_send_caps`).
#[inline]
pub fn reply_message<P: Protocol>(result: &Result<P::Reply, P::Error>, caps: usize) -> Message {
    let encoded = match result {
        Ok(reply) => encode(reply).map(|e| (ReplyKind::Ok, e)),
        Err(error) => encode(error).map(|e| (ReplyKind::Err, e)),
    };
    match encoded {
        Some((kind, (len, words))) => Message {
            tag: MsgTag::new(wire::reply_label(kind, len), wire::words_for(len), caps),
            words,
        },
        // Only a `MaxSize` that understates can get here (the sizes are checked at compile time):
        // the server's bug, which the client is told as such, with the size it needed.
        None => too_long(
            match result {
                Ok(reply) => postcard::experimental::serialized_size(reply),
                Err(error) => postcard::experimental::serialized_size(error),
            }
            .unwrap_or(usize::MAX),
        ),
    }
}

/// The answer in place of a reply of `bytes` bytes, too long for a message.
fn too_long(bytes: usize) -> Message {
    ipc::message(wire::reply_label(ReplyKind::TooLong, 0), &[bytes as u64])
}

/// The reply that rejects a request for `why`.
pub fn rejection(why: Rejection) -> Message {
    ipc::message(wire::reply_label(ReplyKind::Rejected, 0), &[why.raw()])
}

/// Serves protocol `P` on `endpoint` forever: receives each request (capabilities land in
/// `cap_slots`, which must be empty), checks and decodes it, lets `server` handle it, and replies
/// and receives the next one in one crossing (`ReplyRecv`). Rejected requests are answered, counted
/// and printed. Returns only if receiving fails (for example when the endpoint is destroyed).
///
/// ```ignore
/// use userlib::clients::Clients;
/// use userlib::{cap, names, println, rpc};
/// # use protocol::{Counter, Error, Request};
/// # struct Totals(Clients<u64, 16>);
/// # impl rpc::Server<Counter> for Totals {
/// #     fn handle(&mut self, _: &mut rpc::Call, _: Request) -> Result<u64, Error> {
/// #         Ok(0)
/// #     }
/// # }
///
/// // `Totals` is the `Server<Counter>` of the `Server` example.
/// fn main() -> i32 {
///     if let Err(e) = names::register("counter", cap::own()) {
///         println!("counter: cannot register: {e:?}");
///         return 1;
///     }
///     // No request of this protocol carries capabilities, so no slots are offered.
///     let error = rpc::serve(cap::own(), &[], &mut Totals(Clients::new()));
///     println!("counter: stopped serving: {error}");
///     1
/// }
/// ```
pub fn serve<P: Protocol, S: Server<P>>(
    endpoint: Endpoint,
    cap_slots: &[CapSlot],
    server: &mut S,
) -> SysError {
    let () = Fits::<P>::CHECKED;
    let mut rejected = 0u64;
    if !cap_slots.is_empty() {
        ipc::set_recv_slots(cap_slots);
    }
    let mut next = endpoint.recv();
    loop {
        let msg = match next {
            Ok(msg) => msg,
            Err(e) => return e,
        };
        next = match respond::<P, S>(&msg, cap_slots, server, &mut rejected) {
            Some(reply) => endpoint.reply_recv(msg.sender, &reply),
            None => endpoint.recv(),
        };
        if let Err(e) = next {
            println!("{}: reply to {:#x} refused: {e}", P::NAME, msg.sender);
            next = endpoint.recv();
        }
    }
}

/// [`serve`] for a server with deadlines: it waits at most `ticks` timer ticks for a message,
/// and calls [`Server::tick`] each time that many pass without one. (Time is counted in quiet
/// spells: while requests keep coming, deadlines run late, never early.) Replies are sent apart
/// from receiving (`Reply`, then `Recv` with a timeout): two crossings a request.
pub fn serve_ticking<P: Protocol, S: Server<P>>(
    endpoint: Endpoint,
    cap_slots: &[CapSlot],
    server: &mut S,
    ticks: u64,
) -> SysError {
    let () = Fits::<P>::CHECKED;
    let mut rejected = 0u64;
    if !cap_slots.is_empty() {
        ipc::set_recv_slots(cap_slots);
    }
    loop {
        let msg = match sys::recv_timeout(endpoint.slot(), ticks) {
            Ok(msg) => msg,
            Err(SysError::TimedOut) => {
                server.tick();
                continue;
            }
            Err(e) => return e,
        };
        if let Some(reply) = respond::<P, S>(&msg, cap_slots, server, &mut rejected) {
            if let Err(e) = ipc::reply(msg.sender, &reply) {
                println!("{}: reply to {:#x} refused: {e}", P::NAME, msg.sender);
            }
        }
    }
}

/// One message as a server of `P` takes it: the reply to send, or `None` (a notification, or a
/// request the handler deferred). The capabilities that came with it are deleted.
#[inline(always)]
fn respond<P: Protocol, S: Server<P>>(
    msg: &Received,
    cap_slots: &[CapSlot],
    server: &mut S,
    rejected: &mut u64,
) -> Option<Message> {
    if msg.notified() {
        server.notified(msg.badge);
        return None;
    }
    let arrived = &cap_slots[..msg.msg.tag.caps().min(cap_slots.len())];
    let reply = match decode_request::<P>(msg) {
        Ok(request) => {
            let mut call = Call {
                badge: msg.badge,
                caps: arrived,
                reply_caps: heapless::Vec::new(),
                sender: msg.sender,
                deferred: false,
            };
            let result = server.handle(&mut call, request);
            if call.deferred {
                None
            } else {
                if !call.reply_caps.is_empty() {
                    ipc::set_send_caps(&call.reply_caps);
                }
                let reply = reply_message::<P>(&result, call.reply_caps.len());
                if wire::label_high(reply.tag.label()) == ReplyKind::TooLong.raw() {
                    println!(
                        "{}: the reply to client {:#x} needs {} bytes, more than a message holds \
                         ({MAX_BYTES}): not sent, the client gets ReplyTooLong (is a MaxSize \
                         wrong?)",
                        P::NAME,
                        msg.badge,
                        reply.words[0]
                    );
                }
                Some(reply)
            }
        }
        Err(why) => {
            *rejected += 1;
            println!(
                "{}: rejected request from client {:#x} ({why:?}: {}; {} so far)",
                P::NAME,
                msg.badge,
                why.why(),
                *rejected
            );
            Some(rejection(why))
        }
    };
    for &slot in arrived {
        let _ = sys::cap_delete(slot);
    }
    reply
}

#[cfg(test)]
mod tests;
