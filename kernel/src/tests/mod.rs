//! Whole syscalls on the host: a `Sim` builds a kernel over a buffer of "physical memory", with
//! tasks, spaces and endpoints, and runs syscalls the way the entry code does (the fast path for
//! `Call`/`ReplyRecv` when it applies, else the dispatcher, then the scheduler's pick). A security
//! check is tested here in milliseconds, without booting QEMU.
mod call_timeout;
mod caps;
mod cpus;
mod device;
mod device_frames;
mod fault_map;
pub mod host;
mod inspect;
mod ipc;
mod layers;
mod madt;
mod memory;
mod notify;
mod notify_bind;
mod objects;
mod pages;
mod reclaim;
mod release;
mod sched;
mod share;
mod shared_tables;
mod table_counts;
mod tasks;
mod timeout;
mod zeroing;

use crate::arch::trap::{SavedRegs, SYSCALL_MARK};
use crate::mem::frames::{test_table, FrameState};
use crate::mem::{paging, phys};
use crate::obj::cap::Cap;
use crate::obj::endpoint::Endpoint;
use crate::obj::task::State;
use crate::sched::Kernel;
use abi::layout::IPC_BUFFER;
use abi::{CapKind, PageRights, Rights, SysError, Sysnum};
use std::sync::MutexGuard;

/// `Tables::map` and `Tables::unmap` as free functions, for tests that build spaces by hand.
pub fn map_at(
    frames: &mut crate::mem::frames::FrameTable,
    root: u64,
    tables: &mut u32,
    va: u64,
    frame: u64,
    rights: PageRights,
) -> Result<(), SysError> {
    paging::Tables {
        frames,
        root,
        count: tables,
    }
    .map(va, frame, rights)
}

pub fn unmap_at(
    frames: &mut crate::mem::frames::FrameTable,
    root: u64,
    tables: &mut u32,
    va: u64,
) -> Result<u64, SysError> {
    paging::Tables {
        frames,
        root,
        count: tables,
    }
    .unmap(va)
}

/// Slots `Sim::new` fills in every task it makes.
pub const POOL: u64 = 1;
pub const SPACE: u64 = 2;
pub const SELF: u64 = 3;
pub const SYSTEM: u64 = 4;
/// The first slot tests use freely.
pub const FREE: u64 = 8;

/// Both paths: the fast path (when it applies) and the general one.
pub fn both(test: impl Fn(&mut Sim)) {
    for fast in [true, false] {
        let mut sim = Sim::new();
        sim.fast = fast;
        test(&mut sim);
        assert!(sim.audit(), "audit after the test (fast path: {fast})");
    }
}

pub struct Sim {
    pub k: Box<Kernel>,
    /// Whether `Call`/`ReplyRecv` may take the fast path (tests run both ways).
    pub fast: bool,
    _memory: MutexGuard<'static, ()>,
}

/// What a syscall left in the caller's registers, and who runs next.
#[derive(Clone, Copy, Debug)]
pub struct Out {
    pub rax: u64,
    pub regs: SavedRegs,
    /// The scheduler's pick after the syscall (the task the entry code would enter).
    pub next: Option<u16>,
}

impl Out {
    pub fn result(&self) -> Result<(), SysError> {
        SysError::from_rax(self.rax)
    }
}

impl Sim {
    pub fn new() -> Sim {
        let memory = crate::tests::host::take_memory(512);
        // The PICs' stub is global: every line masked again, none pending (under the lock above).
        crate::irq::init();
        crate::irq::take_pending();
        let mut k = Box::new(Kernel::new());
        k.frames = test_table(512);
        k.kernel_root = k.frames.alloc(FrameState::Kernel).unwrap();
        k.console_frame = k.frames.alloc(FrameState::Kernel).unwrap();
        Sim {
            k,
            fast: true,
            _memory: memory,
        }
    }

    /// A ready task in a new address space with an IPC buffer, holding the pool, its own space
    /// and task (all rights) and the system capability in the `POOL`.. `SYSTEM` slots.
    pub fn task(&mut self) -> u16 {
        let k = &mut self.k;
        let (space, space_gen) = k.new_space().unwrap();
        let mut regs = crate::arch::entry::initial_user_regs();
        regs.vector = SYSCALL_MARK;
        regs.rip = 0x40_0000;
        let (t, gen) = k.new_task(space, regs).unwrap();
        let all = Rights::all();
        for (slot, cap) in [
            (POOL, Cap::new(CapKind::FramePool, 0, 0, all)),
            (
                SPACE,
                Cap::new(CapKind::AddressSpace, space, space_gen, all),
            ),
            (SELF, Cap::new(CapKind::Task, t, gen, all)),
            (SYSTEM, Cap::new(CapKind::System, 0, 0, all)),
        ] {
            k.insert_cap(t, slot, cap).unwrap();
        }
        k.make_ready(t, false);
        let buffer = self.ok(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]).rdi;
        let w = PageRights::WRITE.bits();
        self.ok(t, Sysnum::AsMap, [SPACE, POOL, buffer, IPC_BUFFER, w, 0]);
        t
    }

    /// An endpoint with all rights in `slot` of `t`.
    pub fn endpoint(&mut self, t: u16, slot: u64) -> (u16, u64) {
        let (index, gen) = self.k.endpoints.alloc(Endpoint::new()).unwrap();
        let cap = Cap::new(CapKind::Endpoint, index, gen, Rights::all());
        self.k.insert_cap(t, slot, cap).unwrap();
        (index, gen)
    }

    /// Copies `t`'s capability in `src` into `to`'s slot `dst` with `rights` (setup, not a syscall).
    pub fn share(&mut self, t: u16, src: u64, to: u16, dst: u64, rights: Rights) {
        let cap = self.k.task(t).caps.get(src).unwrap().diminished(rights);
        self.k.insert_cap(to, dst, cap).unwrap();
    }

    /// Task `t` makes syscall `num` (with `r12` = `reply_to`), as the entry code would run it.
    /// Panics if `t` cannot run (a test bug). Returns the caller's registers afterwards (`rax` is
    /// meaningful only if it did not block).
    pub fn syscall_r12(&mut self, t: u16, num: u64, args: [u64; 6], reply_to: u64) -> Out {
        let k = &mut self.k;
        assert_eq!(
            k.task(t).state,
            State::Ready,
            "task {t} cannot make a syscall"
        );
        // `t` runs on this CPU now: out of every queue, and off any other CPU.
        for cpu in k.cpus.iter_mut() {
            crate::sched::unqueue(&mut cpu.ready, t);
            if cpu.view.current == Some(t) {
                cpu.view.current = None;
            }
        }
        let previous = k.current.filter(|&c| c != t);
        if let Some(c) = previous.filter(|&c| k.task(c).state == State::Ready) {
            let _ = k.cpus[k.this].ready.push_back(c);
        }
        k.current = Some(t);
        let r = &mut k.task(t).regs;
        r.rax = num;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9] = args;
        r.r12 = reply_to;
        r.vector = SYSCALL_MARK;
        let fast = match Sysnum::from_raw(num) {
            // As the entry does: the short variant, then the long one (then one capability, or a map).
            Some(Sysnum::Call) if self.fast => {
                k.fast_call::<false>(t).is_some()
                    || k.fast_call::<true>(t).is_some()
                    || k.fast_call_cap(t).is_some()
            }
            Some(Sysnum::ReplyRecv) if self.fast => {
                k.fast_reply_recv::<false, false>(t).is_some()
                    || k.fast_reply_recv::<true, false>(t).is_some()
                    || k.fast_reply_recv::<false, true>(t).is_some()
            }
            Some(Sysnum::TaskSelf) => {
                let task = k.task(t);
                crate::syscall::local::task_self(&mut task.regs, task.id);
                true
            }
            _ => false,
        };
        if !fast {
            crate::syscall::dispatch(k, t);
        }
        let next = k.pick();
        assert_eq!(next, k.current, "the pick is the current task");
        let regs = k.tasks.at(t).map(|task| task.regs).unwrap_or_default();
        Out {
            rax: regs.rax,
            regs,
            next,
        }
    }

    pub fn syscall(&mut self, t: u16, num: Sysnum, args: [u64; 6]) -> Out {
        self.syscall_r12(t, num.raw(), args, 0)
    }

    /// A syscall that must succeed; returns the caller's registers.
    #[track_caller]
    pub fn ok(&mut self, t: u16, num: Sysnum, args: [u64; 6]) -> SavedRegs {
        let out = self.syscall(t, num, args);
        assert_eq!(out.result(), Ok(()), "{num:?} {args:x?}");
        out.regs
    }

    /// A syscall that must fail with `error`.
    #[track_caller]
    pub fn fails(&mut self, t: u16, num: Sysnum, args: [u64; 6], error: SysError) {
        let out = self.syscall(t, num, args);
        assert_eq!(out.result(), Err(error), "{num:?} {args:x?}");
    }

    pub fn state(&self, t: u16) -> State {
        self.k
            .tasks
            .at(t)
            .map(|task| task.state)
            .expect("a live task")
    }

    pub fn regs(&mut self, t: u16) -> SavedRegs {
        self.k.task(t).regs
    }

    /// The frame of `t`'s IPC buffer (found in its page tables, not by asking the kernel).
    fn buffer(&mut self, t: u16) -> u64 {
        self.frame_at(t, IPC_BUFFER).expect("an IPC buffer")
    }

    pub fn ipc_write(&mut self, t: u16, word: usize, value: u64) {
        let frame = self.buffer(t);
        phys::write_u64(frame, word, value);
    }

    pub fn ipc_read(&mut self, t: u16, word: usize) -> u64 {
        let frame = self.buffer(t);
        phys::read_u64(frame, word)
    }

    /// Task id as user space sees it.
    pub fn id(&self, t: u16) -> u64 {
        self.k.tasks.at(t).unwrap().id
    }

    /// The ready queue, front first (the current task is not in it).
    pub fn queue(&self) -> Vec<u16> {
        self.k.cpus[self.k.this].ready.iter().copied().collect()
    }

    /// The frame mapped at `vaddr` in `t`'s space.
    pub fn frame_at(&mut self, t: u16, vaddr: u64) -> Option<u64> {
        let root = self.k.task(t).root;
        paging::lookup(root, vaddr).map(|(f, _)| f)
    }

    /// Both audits (frames against page tables, object references against capabilities).
    pub fn audit(&mut self) -> bool {
        self.k.audit_frames() && self.k.audit_objects()
    }
}
