//! The IPC fast path, after seL4's `fastpath.c`: `Call` and `ReplyRecv` with a short message (at
//! most four words, no capabilities) whose partner already waits go register to register and
//! switch straight to the partner — no run queue, no general dispatch. Every check comes first;
//! anything unusual returns `None` and the general path handles the syscall from the start.
use crate::obj::endpoint::Waiting;
use crate::obj::task::{split_task_id, task_id, State};
use crate::sched::Kernel;
use abi::{CapKind, MsgTag, Rights, Sysnum};

impl Kernel {
    /// Tries the fast path for the syscall task `t` just made; returns the task to run next.
    #[inline]
    pub fn fastpath(&mut self, t: u16) -> Option<u16> {
        let r = &self.task(t).regs;
        let tag = MsgTag(r.rsi);
        if !tag.is_short() {
            return None;
        }
        match Sysnum::from_raw(r.rax)? {
            Sysnum::Call => self.fast_call(t, tag),
            Sysnum::ReplyRecv => self.fast_reply_recv(t, tag),
            _ => None,
        }
    }

    fn fast_call(&mut self, t: u16, tag: MsgTag) -> Option<u16> {
        let task = self.task(t);
        let r = task.regs;
        let cap = task
            .caps
            .lookup(r.rdi, CapKind::Endpoint, Rights::SEND)
            .ok()?;
        let ep = self.endpoints.get_mut(cap.index, cap.gen).ok()?;
        // Decoded; from here on nothing can fail.
        let receiver = ep.take(Waiting::Receivers)?;
        self.deliver_registers(receiver, cap.badge, tag, &[r.rdx, r.r10, r.r8, r.r9]);
        self.regs(receiver).r12 = task_id(t, self.tasks.gen(t));
        self.task(t).state = State::AwaitingReply {
            server: receiver,
            fault: false,
        };
        self.task(receiver).state = State::Ready;
        self.current = Some(receiver);
        Some(receiver)
    }

    fn fast_reply_recv(&mut self, t: u16, tag: MsgTag) -> Option<u16> {
        let task = self.task(t);
        let r = task.regs;
        let cap = task
            .caps
            .lookup(r.rdi, CapKind::Endpoint, Rights::RECEIVE)
            .ok()?;
        let (target, gen) = split_task_id(r.r12);
        let awaiting = self.tasks.get(target, gen).ok()?.state;
        if awaiting
            != (State::AwaitingReply {
                server: t,
                fault: false,
            })
        {
            return None;
        }
        let ep = self.endpoints.get_mut(cap.index, cap.gen).ok()?;
        if ep.waiting == Waiting::Senders {
            return None;
        }
        // Decoded; from here on nothing can fail.
        ep.enqueue(Waiting::Receivers, t);
        self.task(t).state = State::Receiving {
            endpoint: cap.index,
        };
        self.deliver_registers(target, 0, tag, &[r.rdx, r.r10, r.r8, r.r9]);
        self.task(target).state = State::Ready;
        self.current = Some(target);
        Some(target)
    }
}
