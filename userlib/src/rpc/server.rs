//! The server side: [`serve`] receives, checks and decodes each request, lets a [`Server`]
//! handle it, and replies; the pieces are public for servers that answer later.
use super::{decode, encode, Fits, Protocol};
use crate::cap::Endpoint;
use crate::ipc::{self, Received};
use crate::{println, sys};
use abi::msg::MAX_CAPS;
use abi::wire::{self, Rejection, ReplyKind, MAX_BYTES};
use abi::{CapSlot, Message, MsgTag, SysError};

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
/// gave each client's capability.
///
/// ```ignore
/// use heapless::FnvIndexMap;
/// // The tutorial's protocol (docs/writing-a-server.md):
/// use protocol::{Counter, Error, Request};
/// use userlib::rpc::{Call, Server};
///
/// struct Totals(FnvIndexMap<u64, u64, 16>);
///
/// impl Server<Counter> for Totals {
///     fn handle(&mut self, call: &mut Call, request: Request) -> Result<u64, Error> {
///         if !self.0.contains_key(&call.badge) {
///             self.0.insert(call.badge, 0).map_err(|_| Error::TooManyClients)?;
///         }
///         let total = &mut self.0[&call.badge];
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
pub(super) fn too_long(bytes: usize) -> Message {
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
/// use heapless::FnvIndexMap;
/// use userlib::{cap, names, println, rpc};
/// # use protocol::{Counter, Error, Request};
/// # struct Totals(FnvIndexMap<u64, u64, 16>);
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
///     let error = rpc::serve(cap::own(), &[], &mut Totals(FnvIndexMap::new()));
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
        let arrived = &cap_slots[..msg.msg.tag.caps().min(cap_slots.len())];
        let reply = match decode_request::<P>(&msg) {
            Ok(request) => {
                let mut call = Call {
                    badge: msg.badge,
                    caps: arrived,
                    reply_caps: heapless::Vec::new(),
                };
                let result = server.handle(&mut call, request);
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
                reply
            }
            Err(why) => {
                rejected += 1;
                println!(
                    "{}: rejected request from client {:#x} ({why:?}: {}; {rejected} so far)",
                    P::NAME,
                    msg.badge,
                    why.why()
                );
                rejection(why)
            }
        };
        for &slot in arrived {
            let _ = sys::cap_delete(slot);
        }
        next = endpoint.reply_recv(msg.sender, &reply);
        if let Err(e) = next {
            println!("{}: reply to {:#x} refused: {e}", P::NAME, msg.sender);
            next = endpoint.recv();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_slots_is_the_servers_doing() {
        // A request needing one capability, at a server offering none: not the client's fault.
        assert_eq!(caps_rejection(1, 0), Rejection::NoCapSlot);
        assert_eq!(caps_rejection(2, 1), Rejection::NoCapSlot);
        // Slots enough, or a request that needs none: the client sent the wrong number.
        assert_eq!(caps_rejection(1, 1), Rejection::WrongCaps);
        assert_eq!(caps_rejection(0, 0), Rejection::WrongCaps);
    }
}
