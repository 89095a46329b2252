//! `fork`: a new address space sharing (copy-on-write) or copying (eager) the parent's pages by
//! range (`AsShare`, one kernel call per 2 MiB of mapped range, not one per page), a fresh IPC
//! buffer (the kernel writes to it, so it is never shared), and a task that resumes where the
//! parent called `fork`, seeing a reply that says 0. The child joins its parent's job and is
//! committed exactly what the parent is, page tables included.
use crate::{Server, POOL};
use memsrv::procs::Slots;
use memsrv::regions::Regions;
use userlib::abi::memsrv::{ForkMode, MemError};
use userlib::abi::space::ShareMode;
use userlib::layout::{IPC_BUFFER, PAGE_SIZE};
use userlib::{sys, MsgTag, PageRights, SysError, Task};

impl Server {
    /// Forks `parent`, which is blocked in its `Fork` call; returns the child's pid. The child
    /// joins the parent's job.
    pub fn fork(&mut self, parent: u64, mode: ForkMode) -> Result<u64, MemError> {
        let (from, child) = self.ledger.fork_child(parent)?;
        let result = match child.committed {
            true => self.copy_process(child.pid, from, child.slots, mode),
            false => Err(SysError::OutOfMemory),
        };
        self.settle(child.pid, result, MemError::OutOfMemory)
    }

    fn copy_process(
        &mut self,
        pid: u64,
        from: Slots,
        to: Slots,
        mode: ForkMode,
    ) -> Result<(), SysError> {
        sys::as_create(POOL, to.space())?;
        // The parent is blocked in its `Fork` call: the child starts from the same registers, as
        // if that call had returned a reply with label 0 and word 0 = 0.
        let mut regs = Task(from.task()).read_regs()?;
        let (src, dst) = (from.space(), to.space());
        // Only where the parent may have pages: the kernel skips empty tables quickly, but the
        // server knows where to look. Copy-on-write shares whole last-level tables where it can,
        // and copies at once the stack in use (from the page the stack pointer is in up): both
        // sides write there first thing (two faults saved for a copy).
        let regions = self.ledger.procs.get(pid).map(|p| &p.regions);
        let (share, ranges) = match mode {
            ForkMode::CopyOnWrite => (
                ShareMode::COPY_ON_WRITE_TABLES,
                regions.map(Regions::fork_ranges),
            ),
            ForkMode::Eager => (ShareMode::EAGER, regions.map(Regions::ranges)),
        };
        let hot = regs.rsp & !(PAGE_SIZE - 1);
        for (start, end) in ranges.unwrap_or_default() {
            let in_use = if (start..end).contains(&hot) {
                hot
            } else {
                end
            };
            sys::as_share_all(src, dst, start, in_use, share, POOL)?;
            sys::as_share_all(src, dst, in_use, end, ShareMode::EAGER, POOL)?;
        }
        // (Its count of the child's tables is final: the shares are done.)
        let (_, tables) = sys::as_alloc_counted(dst, POOL, IPC_BUFFER, PageRights::WRITE)?;
        self.tables_built(pid, tables);
        regs.rax = 0;
        regs.rsi = MsgTag::new(0, 4, 0).0;
        (regs.rdx, regs.r10, regs.r8, regs.r9) = (0, 0, 0, 0);
        let name = self.name_of(pid);
        self.start_task(pid, to, &name, &regs)
    }
}
