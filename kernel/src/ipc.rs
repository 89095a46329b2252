//! Synchronous IPC: rendezvous on endpoints, message delivery, replies.
//!
//! A sender that finds a receiver waiting hands its message over at once; if it called, it now waits
//! for the reply and the receiver runs next (no trip to the back of the run queue). Otherwise the
//! sender queues on the endpoint with its message in `Task::pending`. Short messages (the fast path)
//! move register to register; longer ones also copy IPC-buffer words, and capabilities in
//! `send_caps` are copied into the receiver's offered `recv_slots`.
use crate::arch::trap::SavedRegs;
use crate::mem::{paging, phys};
use crate::obj::endpoint::Waiting;
use crate::obj::task::{task_id, Pending, SendKind, State};
use crate::sched::Kernel;
use abi::layout::IPC_BUFFER;
use abi::msg::{MAX_CAPS, MAX_WORDS, REG_WORDS};
use abi::MsgTag;
use x86_64::structures::paging::PageTableFlags as F;

/// The register part of a delivery (all a short message is): what the receiving syscall returns.
#[inline(always)]
pub fn write_message(r: &mut SavedRegs, badge: u64, tag: MsgTag, words: &[u64; REG_WORDS]) {
    r.rax = 0;
    r.rdi = badge;
    r.rsi = tag.0;
    [r.rdx, r.r10, r.r8, r.r9] = *words;
}

/// Word indices of `IpcBuffer` fields.
const SEND_CAPS: usize = MAX_WORDS;
const RECV_SLOTS: usize = MAX_WORDS + MAX_CAPS;

impl Kernel {
    /// The frame of a task's IPC buffer, if it is mapped user-writable.
    pub fn ipc_buffer(&mut self, task: u16) -> Option<u64> {
        let root = self.task(task).root;
        let (frame, flags) = paging::lookup(&mut self.frames, root, IPC_BUFFER)?;
        flags
            .contains(F::USER_ACCESSIBLE | F::WRITABLE)
            .then_some(frame)
    }

    /// `from` sends `msg` on `endpoint`: delivered now if a receiver waits, else queued.
    pub fn send(&mut self, from: u16, endpoint: u16, msg: Pending) {
        let Some(ep) = self.endpoints.at_mut(endpoint) else {
            return;
        };
        match ep.take(Waiting::Receivers) {
            Some(receiver) => {
                self.deliver(from, receiver, &msg);
                self.after_delivery(from, receiver, msg.kind);
                self.make_ready(receiver, true);
            }
            None => {
                ep.enqueue(Waiting::Senders, from);
                let t = self.task(from);
                t.pending = msg;
                t.state = State::Sending { endpoint };
            }
        }
    }

    /// `to` receives on `endpoint`: takes a queued sender's message now, or waits.
    pub fn receive(&mut self, to: u16, endpoint: u16) {
        let Some(ep) = self.endpoints.at_mut(endpoint) else {
            return;
        };
        match ep.take(Waiting::Senders) {
            Some(sender) => {
                let msg = self.task(sender).pending;
                self.deliver(sender, to, &msg);
                self.after_delivery(sender, to, msg.kind);
                if msg.kind == SendKind::Send {
                    self.regs(sender).rax = 0;
                    self.make_ready(sender, false);
                }
            }
            None => {
                ep.enqueue(Waiting::Receivers, to);
                self.task(to).state = State::Receiving { endpoint };
            }
        }
    }

    /// The sender's state once its message is delivered.
    fn after_delivery(&mut self, sender: u16, receiver: u16, kind: SendKind) {
        let state = match kind {
            SendKind::Send | SendKind::Reply => State::Ready,
            SendKind::Call => State::AwaitingReply {
                server: receiver,
                fault: false,
            },
            SendKind::Fault => State::AwaitingReply {
                server: receiver,
                fault: true,
            },
            SendKind::Exit => State::Exited,
        };
        let t = self.task(sender);
        t.state = state;
        if state == State::Ready {
            t.regs.rax = 0;
        }
    }

    /// Replies to `target`, which must await a reply from `server`. A fault reply resumes the task
    /// where it faulted with its registers untouched.
    pub fn reply(&mut self, server: u16, target: u16, msg: &Pending) {
        let State::AwaitingReply { fault, .. } = self.task(target).state else {
            return;
        };
        if !fault {
            self.deliver(server, target, msg);
        }
        self.make_ready(target, true);
    }

    /// Moves a message into the receiver's registers (and IPC buffer, and capability table).
    fn deliver(&mut self, from: u16, to: u16, msg: &Pending) {
        let mut words = msg.tag.words();
        let mut caps = 0;
        if !msg.tag.is_short() {
            let (src, dst) = (self.ipc_buffer(from), self.ipc_buffer(to));
            match (src, dst) {
                (Some(src), Some(dst)) => {
                    for i in REG_WORDS..words {
                        phys::write_u64(dst, i, phys::read_u64(src, i));
                    }
                    caps = self.transfer_caps(from, to, src, dst, msg.tag.caps());
                }
                // Without both buffers only the register words arrive; the tag says so.
                _ => words = words.min(REG_WORDS),
            }
        }
        let sender_id = task_id(from, self.tasks.gen(from));
        let tag = MsgTag::new(msg.tag.label(), words, caps);
        let r = self.regs(to);
        write_message(r, msg.badge, tag, &msg.words);
        if msg.kind != SendKind::Reply {
            // Receivers learn who sent (`r12`); a caller's `r12` is preserved across its call.
            r.r12 = sender_id;
        }
    }

    /// Copies up to `count` capabilities named in the sender's `send_caps` into the receiver's
    /// offered empty `recv_slots`; returns how many arrived.
    fn transfer_caps(&mut self, from: u16, to: u16, src: u64, dst: u64, count: usize) -> usize {
        let mut delivered = 0;
        for i in 0..count.min(MAX_CAPS) {
            let Ok(cap) = self.task(from).caps.get(phys::read_u64(src, SEND_CAPS + i)) else {
                continue;
            };
            let slot = phys::read_u64(dst, RECV_SLOTS + delivered);
            if self.task(to).caps.insert(slot, cap).is_ok() {
                delivered += 1;
            }
        }
        delivered
    }
}
