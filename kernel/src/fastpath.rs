//! The IPC fast path, after seL4's `fastpath.c`: `Call` and `ReplyRecv` with a plain message (no
//! capabilities) whose partner already waits move the register words register to register, any
//! further words from IPC buffer to IPC buffer, and switch straight to the partner — no run queue,
//! no general dispatch. Every check comes first; anything unusual (a long message without both
//! IPC buffers, a long reply to a fault) returns `None` and the general path handles the syscall
//! from the start. Each function comes in two variants: `LONG` false (registers only, inlined
//! into the entry) and `LONG` true (out of line, tried only after the short one declines), so
//! the short path stays as short as it was.
use crate::fault::map_zeroed;
use crate::ipc::{long_copy, one_cap, write_message};
use crate::mem::phys;
use crate::obj::cap::Cap;
use crate::obj::endpoint::Waiting;
use crate::obj::task::{State, Task};
use crate::sched::Kernel;
use abi::msg::fault::MAP_ZEROED;
use abi::msg::REG_WORDS;
use abi::{split_task_id, CapKind, MsgTag, Rights};

/// A fast-path syscall's tag, register words and endpoint capability.
type Decoded = (MsgTag, [u64; REG_WORDS], Cap);

/// What a fast-path syscall by `task` asks: its tag (short; if `LONG` plain; if `CAP` valid with
/// one capability, which needs GRANT too), its register words, and the endpoint capability
/// (`rdi`) with the rights it needs; `None` if it does not qualify.
#[inline(always)]
fn decode<const LONG: bool, const CAP: bool>(task: &Task, need: Rights) -> Option<Decoded> {
    let r = &task.regs;
    let tag = MsgTag(r.rsi);
    let one_cap = tag.caps() == 1 && tag.is_valid();
    if ![tag.is_short(), tag.is_plain() && !tag.is_short(), one_cap][LONG as usize + CAP as usize] {
        return None;
    }
    let need = need | [Rights::empty(), Rights::GRANT][CAP as usize];
    let cap = *task.caps.find(r.rdi, CapKind::Endpoint, need)?;
    Some((tag, [r.rdx, r.r10, r.r8, r.r9], cap))
}

/// The long part of a message, if any: IPC buffer to IPC buffer.
#[inline(always)]
fn copy_long(copy: Option<(u64, u64)>, tag: MsgTag) {
    if let Some((src, dst)) = copy {
        phys::copy_words(dst, src, REG_WORDS..tag.words());
    }
}

impl Kernel {
    /// A `Call` by `t` with a plain message to a waiting receiver; returns the receiver, or `None`
    /// (nothing changed) for the general path.
    #[inline(always)]
    pub fn fast_call<const LONG: bool>(&mut self, t: u16) -> Option<u16> {
        self.call::<LONG, false>(t)
    }

    /// A `Call` by `t` carrying one capability, which the receiver offers an empty slot for (else
    /// the general path delivers or reports it lost); tried after the long variant.
    #[inline(always)]
    pub fn fast_call_cap(&mut self, t: u16) -> Option<u16> {
        self.call::<true, true>(t)
    }

    #[inline(always)]
    fn call<const LONG: bool, const CAP: bool>(&mut self, t: u16) -> Option<u16> {
        let task = self.task(t);
        let (tag, words, cap) = decode::<LONG, CAP>(task, Rights::SEND)?;
        let (root, sender_id) = (task.root, task.id);
        let ep = self.endpoints.get_mut(cap.index, cap.gen).ok()?;
        let receiver = ep.first(Waiting::Receivers)?;
        // It runs here next: it must be allowed to (else the general path wakes it where it may).
        let to = self.tasks.at(receiver)?;
        if to.affinity & self.this_bit == 0 {
            return None;
        }
        let copy = match LONG {
            true => Some(long_copy(root, to.root)?),
            false => None,
        };
        let tasks = &self.tasks;
        let grant = match (copy, CAP) {
            (Some(copy), true) => Some(one_cap(tasks.at(t)?, tasks.at(receiver)?, copy)?),
            _ => None,
        };
        // Decoded; from here on nothing can fail.
        ep.take(Waiting::Receivers);
        self.task(t).state = State::AwaitingReply {
            server: receiver,
            fault: false,
        };
        // A message with a capability may have no long part (a copy of nothing costs ~40).
        copy_long(copy.filter(|_| !CAP || tag.words() > REG_WORDS), tag);
        let to = self.task(receiver);
        write_message(&mut to.regs, cap.badge, tag.with(MsgTag::CALL), &words);
        to.regs.r12 = sender_id;
        to.state = State::Ready;
        if let Some((slot, granted)) = grant {
            // Cannot fail: `one_cap` found the slot empty.
            let _ = self.insert_cap(receiver, slot, granted);
        }
        self.current = Some(receiver);
        Some(receiver)
    }

    /// A `ReplyRecv` by `t` with a plain reply to a caller (or a short one to a faulted task, which
    /// resumes; with `MAP` only a `MAP_ZEROED` one, after its map: a call, kept out of the other
    /// variants), when no sender is queued (so `t` will wait); returns the caller, or `None`
    /// (nothing changed) for the general path.
    #[inline(always)]
    pub fn fast_reply_recv<const LONG: bool, const MAP: bool>(&mut self, t: u16) -> Option<u16> {
        let task = self.task(t);
        let (tag, words, cap) = decode::<LONG, false>(task, Rights::RECEIVE)?;
        let (reply_to, root) = (task.regs.r12, task.root);
        // Bits already signalled: the receive returns them at once (the general path's job).
        if let Some(n) = task.notification {
            if self.notifications.at(n).is_some_and(|n| n.bits != 0) {
                return None;
            }
        }
        let (target, gen) = split_task_id(reply_to);
        let caller = self.tasks.get(target, gen).ok()?;
        let State::AwaitingReply { server, fault, .. } = caller.state else {
            return None;
        };
        let map = fault && tag.label() == MAP_ZEROED;
        let here = caller.affinity & self.this_bit != 0;
        if server != t || map != MAP || (LONG && fault) || !here {
            return None;
        }
        let copy = match LONG {
            true => Some(long_copy(root, caller.root)?),
            false => None,
        };
        let ep = self.endpoints.get_mut(cap.index, cap.gen).ok()?;
        if ep.waiting == Waiting::Senders {
            return None;
        }
        // The map is the last check: if it fails (nothing mapped) the general path repeats it and
        // returns the error.
        if MAP {
            map_zeroed(&self.tasks, &mut self.spaces, &mut self.frames, t, target).ok()?;
        }
        // Decoded; from here on nothing can fail. (`t`'s state before the queue's stores, after
        // which the compiler would look `t` up again.)
        let server = self.tasks.at_mut(t).expect("the current task is live");
        server.state = State::Receiving {
            endpoint: cap.index,
        };
        ep.enqueue(Waiting::Receivers, t);
        let to = self.task(target);
        // A fault reply resumes the task where it faulted, its registers untouched.
        if !fault {
            copy_long(copy, tag);
            write_message(&mut to.regs, 0, tag, &words);
        }
        to.state = State::Ready;
        if MAP {
            // The map may have given the space its own copy of a shared table.
            let root = to.root;
            self.flush_elsewhere(root);
        }
        self.current = Some(target);
        Some(target)
    }
}
