//! The client side: a typed call is its request encoded into message words, one `Call` (the
//! kernel's fast path for a register-sized message), and the reply decoded.
use super::{decode, encode, CallError, Fits, Protocol};
use crate::cap::Endpoint;
use crate::{ipc, sys};
use abi::msg::MAX_CAPS;
use abi::wire::{self, Rejection, ReplyKind};
use abi::{CapSlot, Message, MsgTag, SysError};
use core::marker::PhantomData;

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
pub(super) fn decode_reply<P: Protocol>(
    reply: &Message,
) -> Result<(P::Reply, usize), CallError<P::Error>> {
    let label = reply.tag.label();
    let len = wire::label_len(label);
    match ReplyKind::from_raw(wire::label_high(label)) {
        Some(ReplyKind::Rejected) => Err(Rejection::from_raw(reply.words[0])
            .map(CallError::Rejected)
            .unwrap_or(CallError::BadReply)),
        Some(ReplyKind::TooLong) => Err(CallError::ReplyTooLong(reply.words[0] as usize)),
        _ if !wire::len_fits(label, reply.tag.words()) => Err(CallError::BadReply),
        Some(ReplyKind::Ok) => match decode(len, &reply.words) {
            Some(r) => Ok((r, reply.tag.caps())),
            None => Err(CallError::BadReply),
        },
        Some(ReplyKind::Err) => match decode(len, &reply.words) {
            Some(e) => Err(CallError::Server(e)),
            None => Err(CallError::BadReply),
        },
        None => Err(CallError::BadReply),
    }
}
