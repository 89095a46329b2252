//! Synchronous IPC: rendezvous on endpoints, message delivery, replies.
//!
//! A sender that finds a receiver waiting hands its message over at once; if it called, it now waits
//! for the reply and the receiver runs next (no trip to the back of the run queue). Otherwise the
//! sender queues on the endpoint with its message in `Task::pending`. Short messages (the fast path)
//! move register to register; longer ones also copy IPC-buffer words, and capabilities in
//! `send_caps` are copied into the slots the receiver offers in `recv_mask`. The delivered tag
//! carries flags no sender can set: the sender awaits a reply (`CALL`), the kernel sent it
//! (`KERNEL`), capabilities were lost (`CAPS_LOST`).
use crate::arch::trap::SavedRegs;
use crate::mem::{phys, user};
use crate::obj::cap::Cap;
use crate::obj::endpoint::Waiting;
use crate::obj::task::{Pending, SendKind, State, Task};
use crate::sched::Kernel;
use abi::layout::IPC_BUFFER;
use abi::msg::{MAX_CAPS, MAX_WORDS, REG_WORDS};
use abi::{task_id, MsgTag};

/// The register part of a delivery (all a short message is): what the receiving syscall returns.
#[inline(always)]
pub fn write_message(r: &mut SavedRegs, badge: u64, tag: MsgTag, words: &[u64; REG_WORDS]) {
    r.rax = 0;
    r.rdi = badge;
    r.rsi = tag.0;
    [r.rdx, r.r10, r.r8, r.r9] = *words;
}

/// The tag a `Recv` returns with the bound notification's bits (in the badge register).
const NOTIFIED: MsgTag = MsgTag(MsgTag::KERNEL | MsgTag::NOTIFIED);

/// Word indices of `IpcBuffer` fields.
const SEND_CAPS: usize = MAX_WORDS;
const RECV_MASK: usize = MAX_WORDS + MAX_CAPS;

/// The delivery flags a message of this kind arrives with.
fn delivery_flags(kind: SendKind) -> u64 {
    match kind {
        SendKind::Call => MsgTag::CALL,
        SendKind::Fault => MsgTag::CALL | MsgTag::KERNEL,
        SendKind::Exit => MsgTag::KERNEL,
        SendKind::Send | SendKind::Reply => 0,
    }
}

/// The frame of the IPC buffer of the address space `root`, if it is mapped user-writable.
/// (Always inlined: on the long fast path a call costs more than the walk.)
#[inline(always)]
pub fn ipc_buffer_in(root: u64) -> Option<u64> {
    user::user_frame(root, IPC_BUFFER, true).ok()
}

/// For the fast path's long messages: the (source, destination) IPC buffers, or `None` if either
/// end lacks one (the general path decides what happens then).
#[inline(always)]
pub fn long_copy(from_root: u64, to_root: u64) -> Option<(u64, u64)> {
    Some((ipc_buffer_in(from_root)?, ipc_buffer_in(to_root)?))
}

/// For the fast path's one capability: the capability `from` sends (its IPC buffer `src`) and the
/// slot `to` offers for it (`dst`), if that is empty; else `None`, and the general path delivers
/// (or reports it lost) as `copy_caps` does.
#[inline(always)]
pub fn one_cap(from: &Task, to: &Task, (src, dst): (u64, u64)) -> Option<(u64, Cap)> {
    let slot = phys::read_u64(dst, RECV_MASK).trailing_zeros() as u64;
    let cap = from.caps.get(phys::read_u64(src, SEND_CAPS)).ok()?;
    to.caps.check_empty(slot).ok().map(|()| (slot, cap))
}

impl Kernel {
    /// The frame of a task's IPC buffer, if it is mapped user-writable.
    pub fn ipc_buffer(&mut self, task: u16) -> Option<u64> {
        ipc_buffer_in(self.task(task).root)
    }

    /// `from` sends `msg` on `endpoint`: delivered now if a receiver waits, else queued. A call
    /// with a `deadline` other than 0 gives up at that tick, waiting to be received or for the reply.
    #[inline]
    pub fn send(&mut self, from: u16, endpoint: u16, msg: Pending, deadline: u64) {
        let Some(ep) = self.endpoints.at_mut(endpoint) else {
            return;
        };
        match ep.take(Waiting::Receivers) {
            Some(receiver) => {
                self.deliver(from, receiver, &msg, true);
                self.after_delivery(from, receiver, msg.kind, deadline);
                self.make_ready(receiver, true);
            }
            None => {
                ep.enqueue(Waiting::Senders, from);
                let t = self.task(from);
                t.pending = msg;
                t.state = State::Sending { endpoint, deadline };
            }
        }
        self.wake_by(deadline);
    }

    /// A wait that ends at tick `deadline` (0: none) has begun.
    fn wake_by(&mut self, deadline: u64) {
        if deadline != 0 {
            self.next_wake = self.next_wake.min(deadline);
        }
    }

    /// `to` receives on `endpoint`: takes a queued sender's message now, or waits (until tick
    /// `deadline`, if not 0).
    pub fn receive(&mut self, to: u16, endpoint: u16, deadline: u64) {
        // The bound notification's bits first, as in seL4: a flood of clients cannot starve it.
        if let Some(bits) = self.take_notified(to) {
            return self.notified(to, bits);
        }
        let Some(ep) = self.endpoints.at_mut(endpoint) else {
            return;
        };
        match ep.take(Waiting::Senders) {
            Some(sender) => {
                let task = self.task(sender);
                let (msg, deadline) = (task.pending, task.state.deadline().unwrap_or(0));
                self.deliver(sender, to, &msg, true);
                self.after_delivery(sender, to, msg.kind, deadline);
                // A plain send is done (`after_delivery` set its result).
                if msg.kind == SendKind::Send {
                    self.make_ready(sender, false);
                }
            }
            None => {
                ep.enqueue(Waiting::Receivers, to);
                self.task(to).state = match deadline {
                    0 => State::Receiving { endpoint },
                    _ => State::ReceivingUntil { endpoint, deadline },
                };
                self.wake_by(deadline);
            }
        }
    }

    /// The bits of `t`'s bound notification, taken, if any are set.
    fn take_notified(&mut self, t: u16) -> Option<u64> {
        let n = self.task(t).notification?;
        let bits = self.notifications.at_mut(n)?.take();
        (bits != 0).then_some(bits)
    }

    /// ORs `badge` into notification `n`'s bits (bit 0 for an unbadged capability, so a waiter
    /// always sees a bit) and hands them to the bound task if it waits in `Recv` (it leaves its
    /// endpoint), else to the first task in `Wait`; else they stay.
    pub fn signal(&mut self, n: u16, badge: u64) {
        let badge = badge.max(1);
        let Some(bound) = self.notifications.at(n).map(|n| n.bound) else {
            return;
        };
        let receiving = |s| matches!(s, State::Receiving { .. } | State::ReceivingUntil { .. });
        let bound = bound.filter(|&b| receiving(self.task(b).state));
        if let Some(b) = bound {
            self.detach(b);
        }
        let Some(note) = self.notifications.at_mut(n) else {
            return;
        };
        note.bits |= badge;
        let Some(to) = bound.or_else(|| note.waiters.pop_front()) else {
            return;
        };
        let bits = note.take();
        match bound {
            Some(_) => self.notified(to, bits),
            None => write_message(self.regs(to), bits, MsgTag(0), &[0; REG_WORDS]),
        }
        self.make_ready(to, false);
    }

    /// `to`'s receive returns its bound notification's `bits`; there is nobody to reply to.
    fn notified(&mut self, to: u16, bits: u64) {
        let r = self.regs(to);
        write_message(r, bits, NOTIFIED, &[0; REG_WORDS]);
        r.r12 = u64::MAX;
    }

    /// `t` waits on notification `n`: takes its bits now if any are set, else queues.
    pub fn wait(&mut self, t: u16, n: u16) {
        let Some(note) = self.notifications.at_mut(n) else {
            return;
        };
        match note.take() {
            0 => {
                note.waiters.push_back(t);
                self.task(t).state = State::Waiting { notification: n };
            }
            bits => write_message(self.regs(t), bits, MsgTag(0), &[0; REG_WORDS]),
        }
    }

    /// The sender's state once its message is delivered to `server` (the receiver, which a call
    /// now awaits; a call with a `deadline` other than 0 keeps it while awaiting the reply).
    pub fn after_delivery(&mut self, sender: u16, server: u16, kind: SendKind, deadline: u64) {
        let state = match kind {
            SendKind::Send | SendKind::Reply => State::Ready,
            SendKind::Call if deadline != 0 => State::AwaitingReplyUntil { server, deadline },
            SendKind::Call | SendKind::Fault => {
                let fault = kind == SendKind::Fault;
                State::AwaitingReply { server, fault }
            }
            SendKind::Exit => State::Exited,
        };
        let t = self.task(sender);
        t.state = state;
        if state == State::Ready {
            t.regs.rax = 0;
        }
    }

    /// Replies to `target`, which must await a reply from `server`; capabilities travel only if
    /// `grant` (the server replies through an endpoint capability with GRANT, seL4's
    /// CanGrantReply). A fault reply resumes the task where it faulted, its registers untouched.
    pub fn reply(&mut self, server: u16, target: u16, msg: &Pending, grant: bool) {
        let Some((_, fault)) = self.task(target).state.awaits_reply_from() else {
            return;
        };
        if !fault {
            self.deliver(server, target, msg, grant);
        }
        self.make_ready(target, true);
    }

    /// Moves a message into the receiver's registers (and IPC buffer, and capability table, if
    /// `grant` allows capabilities).
    fn deliver(&mut self, from: u16, to: u16, msg: &Pending, grant: bool) {
        let mut words = msg.tag.words();
        let (mut caps, mut lost) = (0, msg.tag.caps() > 0);
        if !msg.tag.is_short() {
            match (self.ipc_buffer(from), self.ipc_buffer(to)) {
                (Some(src), Some(dst)) => {
                    phys::copy_words(dst, src, REG_WORDS..words);
                    if grant {
                        (caps, lost) = self.copy_caps(from, to, src, dst, msg.tag.caps());
                    }
                }
                // Without both buffers only the register words arrive; the tag says so.
                _ => words = words.min(REG_WORDS),
            }
        }
        let sender_id = task_id(from, self.tasks.gen(from));
        let flags = delivery_flags(msg.kind) | (lost as u64 * MsgTag::CAPS_LOST);
        let tag = MsgTag::new(msg.tag.label(), words, caps).with(flags);
        let r = self.regs(to);
        write_message(r, msg.badge, tag, &msg.words);
        if msg.kind != SendKind::Reply {
            // Receivers learn who sent (`r12`); a caller's `r12` is preserved across its call.
            r.r12 = sender_id;
        }
    }

    /// Copies up to `count` capabilities named in the sender's `send_caps` into the slots the
    /// receiver offers in `recv_mask` (the `n`-th capability into the `n`-th lowest offered slot,
    /// if it is empty); returns how many arrived and whether any were lost.
    fn copy_caps(&mut self, from: u16, to: u16, src: u64, dst: u64, count: usize) -> (usize, bool) {
        let mut offered = phys::read_u64(dst, RECV_MASK);
        let (mut delivered, mut lost) = (0, false);
        for i in 0..count.min(MAX_CAPS) {
            let slot = offered.trailing_zeros() as u64; // 64 (no slot) once the offers run out
            offered &= offered.wrapping_sub(1);
            let cap = self.task(from).caps.get(phys::read_u64(src, SEND_CAPS + i));
            match cap {
                Ok(cap) if self.insert_cap(to, slot, cap).is_ok() => delivered += 1,
                _ => lost = true,
            }
        }
        (delivered, lost)
    }
}
