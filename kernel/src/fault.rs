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

    /// Task `t` took exception `vector`; `cr2` is the faulting address for page faults.
    pub fn user_exception(&mut self, t: u16, cr2: u64) {
        let r: SavedRegs = self.task(t).regs;
        let (label, detail) = if r.vector == PAGE_FAULT {
            (fault::PAGE_FAULT, cr2)
        } else {
            (fault::EXCEPTION, r.vector)
        };
        match self.fault_endpoint(t) {
            Some((endpoint, badge)) => {
                let words = [t as u64, detail, r.error_code, r.rip];
                let tag = MsgTag::new(label, 4, 0);
                self.send(
                    t,
                    endpoint,
                    Pending::new(SendKind::Fault, badge, tag, words),
                );
            }
            None => {
                let name = self.task(t).name();
                if r.vector == PAGE_FAULT {
                    crate::kprintln!(
                        "kernel: task {t} ({name}) killed: page fault {} {:#x} ({}) at rip={:#x}",
                        fault::access(r.error_code),
                        cr2,
                        if r.error_code & 1 != 0 {
                            "protection violation"
                        } else {
                            "not mapped"
                        },
                        r.rip
                    );
                } else {
                    crate::kprintln!(
                        "kernel: task {t} ({name}) killed: {} (vector {}) error={:#x} at rip={:#x}",
                        vector_name(r.vector),
                        r.vector,
                        r.error_code,
                        r.rip
                    );
                }
                self.destroy_task(t);
            }
        }
    }
}
