//! The server side of one request: [`Call`] (who sent it), the [`Server`] trait, and the checks,
//! decoding and reply messages the server loop (`serve.rs`) and hand-written loops use.
use super::{decode, encode, Fits, Protocol};
use crate::ipc::{self, Received};
use abi::msg::MAX_CAPS;
use abi::wire::{self, Rejection, ReplyKind};
use abi::{CapSlot, Message, MsgTag};

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
    pub(super) reply_caps: heapless::Vec<CapSlot, MAX_CAPS>,
    /// Who waits for the reply (the kernel's reply target).
    pub(super) sender: u64,
    /// [`Call::defer`] was asked: `serve` sends no reply now.
    pub(super) deferred: bool,
}

impl Call<'_> {
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
    // One match from the decoded value to the result: each rewrapping would copy the request.
    match decode::<P::Request>(wire::label_len(label), &msg.msg.words) {
        None => Err(Rejection::Undecodable),
        Some(request) if P::caps(&request) == msg.msg.tag.caps() && !msg.caps_lost() => Ok(request),
        Some(request) => {
            let offered = ipc::recv_slots_mask().count_ones() as usize;
            Err(caps_rejection(P::caps(&request), offered))
        }
    }
}

/// Why a request that needs `wanted` capabilities did not bring exactly them, when the server
/// offers `offered` slots: too few slots is the server's doing, anything else the client's.
pub(super) fn caps_rejection(wanted: usize, offered: usize) -> Rejection {
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
pub(super) fn too_long(bytes: usize) -> Message {
    ipc::message(wire::reply_label(ReplyKind::TooLong, 0), &[bytes as u64])
}

/// The reply that rejects a request for `why`.
pub fn rejection(why: Rejection) -> Message {
    ipc::message(wire::reply_label(ReplyKind::Rejected, 0), &[why.raw()])
}
