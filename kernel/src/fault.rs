//! User exceptions: forwarded to the task's fault endpoint as a message, or the task is killed
//! with a printed reason. Nothing a user program does can stop the kernel.
use crate::arch::trap::{vector_name, SavedRegs};
use crate::obj::task::{Pending, SendKind};
use crate::sched::Kernel;
use abi::msg::fault;
use abi::{CapKind, MsgTag, Rights};

const PAGE_FAULT: u64 = 14;

impl Kernel {
    /// The task's fault endpoint (index, badge), if it still exists.
    pub fn fault_endpoint(&mut self, t: u16) -> Option<(u16, u64)> {
        let cap = self.task(t).fault_endpoint?;
        (cap.kind == CapKind::Endpoint
            && cap.rights.contains(Rights::SEND)
            && self.endpoints.get(cap.index, cap.gen).is_ok())
        .then_some((cap.index, cap.badge))
    }

    /// Sends a message of `kind` to the task's supervisor (its fault endpoint); `false` if none.
    pub fn report(&mut self, t: u16, kind: SendKind, tag: MsgTag, words: [u64; 4]) -> bool {
        let Some((endpoint, badge)) = self.fault_endpoint(t) else {
            return false;
        };
        self.send(t, endpoint, Pending::new(kind, badge, tag, words));
        true
    }

    /// Task `t` took exception `vector`; `cr2` is the faulting address for page faults.
    pub fn user_exception(&mut self, t: u16, cr2: u64) {
        let r: SavedRegs = self.task(t).regs;
        let (label, detail) = if r.vector == PAGE_FAULT {
            (fault::PAGE_FAULT, cr2)
        } else {
            (fault::EXCEPTION, r.vector)
        };
        let words = [t as u64, detail, r.error_code, r.rip];
        if self.report(t, SendKind::Fault, MsgTag::new(label, 4, 0), words) {
            return;
        }
        let (name, vector, error, rip) = (self.task(t).name(), r.vector, r.error_code, r.rip);
        // Error code bit 0: the page was present.
        let why = ["not mapped", "protection violation"][error as usize & 1];
        let (access, vector_name) = (fault::access(error), vector_name(vector));
        let what = if vector == PAGE_FAULT {
            format_args!("page fault {access} {cr2:#x} ({why})")
        } else {
            format_args!("{vector_name} (vector {vector}) error={error:#x}")
        };
        crate::kprintln!("kernel: task {t} ({name}) killed: {what} at rip={rip:#x}");
        self.destroy_task(t);
    }
}
