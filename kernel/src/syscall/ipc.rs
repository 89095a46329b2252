//! Send, receive, call, reply; creating and destroying endpoints.
use super::{ensure, Args, Done, SysResult};
use crate::obj::cap::Cap;
use crate::obj::task::{Pending, SendKind};
use crate::sched::Kernel;
use abi::{split_task_id, CapKind, MsgTag, Rights, SysError, Sysnum};

/// The message in the caller's registers: tag in `rsi`, words in `rdx, r10, r8, r9`.
fn message(a: &Args, kind: SendKind) -> Result<Pending, SysError> {
    let (tag, words) = (MsgTag(a[1]), [a[2], a[3], a[4], a[5]]);
    ensure(tag.is_valid(), SysError::InvalidArgument)?;
    Ok(Pending::new(kind, 0, tag, words))
}

/// Decodes the endpoint capability for sending (`GRANT` too if capabilities travel).
fn send_cap(k: &mut Kernel, t: u16, slot: u64, tag: MsgTag) -> Result<Cap, SysError> {
    let mut rights = Rights::SEND;
    rights.set(Rights::GRANT, tag.caps() > 0);
    k.lookup(t, slot, CapKind::Endpoint, rights)
}

/// Long messages need the sender's IPC buffer.
fn check_buffer(k: &mut Kernel, t: u16, tag: MsgTag) -> Result<(), SysError> {
    let buffered = tag.is_short() || k.ipc_buffer(t).is_some();
    ensure(buffered, SysError::NoIpcBuffer)
}

/// `Send`, `Call`, or `CallTimeout`: a call that gives up after `r12` timer ticks (0: never) with
/// `TimedOut`, whether it still waits to be received or for the reply.
/// (Out of line: inlined into the dispatcher, it made every other syscall longer.)
#[inline(never)]
pub fn send(k: &mut Kernel, t: u16, a: &Args, num: Sysnum) -> SysResult {
    let (kind, timeout) = match num {
        Sysnum::Send => (SendKind::Send, 0),
        Sysnum::CallTimeout => (SendKind::Call, k.regs(t).r12),
        _ => (SendKind::Call, 0),
    };
    let mut msg = message(a, kind)?;
    let cap = send_cap(k, t, a[0], msg.tag)?;
    check_buffer(k, t, msg.tag)?;
    msg.badge = cap.badge;
    k.send(t, cap.index, msg, deadline(k, timeout));
    Ok(Done::Blocked)
}

/// The tick a wait of `ticks` ends at (0: it never does).
fn deadline(k: &Kernel, ticks: u64) -> u64 {
    match ticks {
        0 => 0,
        ticks => k.now.saturating_add(ticks),
    }
}

/// Receives; `rsi` is a timeout in timer ticks (0: none).
pub fn recv(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::Endpoint, Rights::RECEIVE)?;
    k.receive(t, cap.index, deadline(k, a[1]));
    Ok(Done::Blocked)
}

/// Decodes a reply target (`r12`): a task awaiting a reply from `t`.
fn reply_target(k: &mut Kernel, t: u16) -> Result<u16, SysError> {
    let (index, gen) = split_task_id(k.regs(t).r12);
    let caller = k.tasks.get(index, gen).map(|c| c.state);
    let ours = caller.is_ok_and(|s| s.awaits_reply_from().is_some_and(|(s, _)| s == t));
    ensure(ours, SysError::NoReplyTarget).map(|_| index)
}

pub fn reply(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let msg = message(a, SendKind::Reply)?;
    check_buffer(k, t, msg.tag)?;
    // Capabilities travel on the authority of an endpoint capability with RECEIVE and GRANT (a0),
    // as through ReplyRecv (a server that answers later still needs that authority).
    let grant = msg.tag.caps() > 0;
    if grant {
        k.lookup(t, a[0], CapKind::Endpoint, Rights::RECEIVE | Rights::GRANT)?;
    }
    let target = reply_target(k, t)?;
    k.map_on_reply(t, target, &msg)?;
    k.reply(t, target, &msg, grant);
    Ok(Done::Return)
}

/// Reply (unless `r12` is `u64::MAX`) and receive, in one crossing. As in seL4, a reply nobody
/// awaits (the caller died, was stopped, or only sent) is dropped and the receive still happens:
/// a client cannot stop a server by making its reply undeliverable. Only the server's own errors
/// (a bad tag, no IPC buffer for a long reply, a bad endpoint capability, a fault reply's map that
/// cannot be made: `fault::MAP_ZEROED`) fail the call.
pub fn reply_recv(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let msg = message(a, SendKind::Reply)?;
    let cap = k.lookup(t, a[0], CapKind::Endpoint, Rights::RECEIVE)?;
    if k.regs(t).r12 != u64::MAX {
        check_buffer(k, t, msg.tag)?;
        if let Ok(target) = reply_target(k, t) {
            k.map_on_reply(t, target, &msg)?;
            k.reply(t, target, &msg, cap.rights.contains(Rights::GRANT));
        }
    }
    k.receive(t, cap.index, 0);
    Ok(Done::Blocked)
}
