//! The server loop: receive, check and decode, handle, reply and receive the next in one
//! crossing.
use super::{decode_request, rejection, reply_message, Call, Fits, Protocol, Server};
use crate::ipc::{self, Received};
use crate::{cap::Endpoint, println, sys};
use abi::wire::{self, ReplyKind, MAX_BYTES};
use abi::{CapSlot, Message, SysError};

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
pub(super) fn respond<P: Protocol, S: Server<P>>(
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
