//! Capabilities as user space sees them: slots, kinds, rights.

use bitflags::bitflags;

/// Number of slots in every task's capability table.
pub const CAP_SLOTS: usize = 64;

/// An index into the calling task's capability table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CapSlot(pub u32);

impl CapSlot {
    /// The slot number as an index into the table.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

numbered_enum! {
    /// What a capability points at.
    pub enum CapKind: u64 {
        /// The slot is empty.
        Empty = 0,
        /// Authority over the free physical frames: allocate, free, map them, and create kernel objects.
        FramePool = 1,
        /// An address space (a set of page tables).
        AddressSpace = 2,
        /// A task (a thread with an address space and a capability table).
        Task = 3,
        /// A synchronous IPC endpoint.
        Endpoint = 4,
        /// The system itself: shutdown and frame census. Only the first server gets one.
        System = 5,
        /// A notification: a word of bits other tasks signal and one waits for (interrupts, events).
        Notification = 6,
        /// One interrupt line: bind it to a notification, acknowledge it (`abi::device`).
        IrqHandler = 7,
        /// A range of I/O ports to read and write by syscall (`abi::device`).
        IoPorts = 8,
        /// A device's memory (the framebuffer), to map page by page (`abi::device`).
        DeviceFrames = 9,
    }
}

bitflags! {
    /// What a capability allows. Which bits matter depends on the kind (see `docs/capabilities.md`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Rights: u64 {
        /// Endpoint: send and call. Notification: signal.
        const SEND = 1 << 0;
        /// Endpoint: receive. Notification: wait, poll, bind to the caller.
        const RECEIVE = 1 << 1;
        /// Endpoint: capabilities may travel in messages sent through this capability.
        const GRANT = 1 << 2;
        /// Address space: map, unmap, protect. Frame pool: allocate, free, map its frames, create
        /// objects. Device frames: map them.
        const MAP = 1 << 3;
        /// Address space: query. Task: read registers. System: frame states. I/O ports: `IoIn`.
        const READ = 1 << 4;
        /// Task: write registers, start, stop, give capabilities, set the fault endpoint; destroy
        /// (tasks, address spaces, endpoints, notifications). System: shutdown, census.
        /// Interrupt handler: bind, acknowledge. I/O ports: `IoOut`.
        const CONTROL = 1 << 5;
        /// System: make interrupt-handler, I/O-port and device-frame capabilities.
        const DEVICE = 1 << 6;
    }
}

bitflags! {
    /// Access rights of a page mapping. Pages are always readable by user code.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct PageRights: u64 {
        /// User code may write the page.
        const WRITE = 1 << 0;
        /// User code may execute instructions on the page.
        const EXECUTE = 1 << 1;
    }
}

impl PageRights {
    /// The rights an ELF segment with these flags needs.
    pub fn for_segment(writable: bool, executable: bool) -> PageRights {
        let mut rights = PageRights::empty();
        rights.set(PageRights::WRITE, writable);
        rights.set(PageRights::EXECUTE, executable);
        rights
    }
}

/// Capability slots every program finds filled when it starts (the memory server sets them up for
/// its processes; init for the servers it starts itself).
pub mod slots {
    use super::CapSlot;
    /// An endpoint (send + grant) to the program's supervisor, badged with its pid: the memory
    /// server (`abi::memsrv`) for a process; init for a server init starts.
    pub const SUPERVISOR: CapSlot = CapSlot(0);
    /// An endpoint (send + grant) to the name service (`abi::names`), badged with the program's id.
    pub const NAMES: CapSlot = CapSlot(1);
    /// An endpoint (send, receive, grant) of the program's own, for serving requests.
    pub const OWN: CapSlot = CapSlot(2);
    /// Only for the servers init trusts with memory (see init's `POOL_HOLDERS`): the frame pool.
    pub const POOL: CapSlot = CapSlot(3);
    /// Only for those servers: their own address space (all rights).
    pub const SELF_SPACE: CapSlot = CapSlot(4);
    /// Only for those servers: their own task (all rights).
    pub const SELF_TASK: CapSlot = CapSlot(5);
    /// Only for the pool holders init trusts with devices (init's `DEVICE_HOLDERS`): the system
    /// capability with `DEVICE` only (interrupt-handler and I/O-port capabilities).
    pub const DEVICE: CapSlot = CapSlot(6);
    /// Only for the memory viewer (it holds no pool, so it has the pool holders' slots): the
    /// system capability, `READ` only (`FrameStates`).
    pub const VIEW_SYSTEM: CapSlot = CapSlot(3);
    /// Only for the input server (it holds no pool): the system capability, `READ` only (raw
    /// writes to the serial line, `DebugWrite` with `frames::SERIAL_ONLY`).
    pub const TERMINAL_SYSTEM: CapSlot = CapSlot(3);
    /// Only for the memory viewer: the memory server's endpoint badged `memsrv::OBSERVER`.
    pub const VIEW_MEMORY: CapSlot = CapSlot(4);
    /// Kept empty for userlib's own short-lived use (a capability on its way to the name service).
    pub const SCRATCH: CapSlot = CapSlot(7);
    /// The first slot a program can use freely.
    pub const FIRST_FREE: CapSlot = CapSlot(8);
    /// Only for the memory server: the system capability, `READ` only (frame states, to answer
    /// `memsrv::Request::Census`). Among its own slots, which it uses from `FIRST_FREE` on.
    pub const MEMSRV_SYSTEM: CapSlot = CapSlot(9);
    /// Kept for `userlib::input`: its capability to the input server, looked up on first use. The
    /// input drivers find theirs here, badged `input::DRIVER`, from init.
    pub const INPUT: CapSlot = CapSlot(super::CAP_SLOTS as u32 - 1);
}

/// Capability slots the kernel fills for the first server (init).
pub mod init_slots {
    use super::CapSlot;
    /// The frame pool: all free memory.
    pub const POOL: CapSlot = CapSlot(1);
    /// Init's own address space.
    pub const SELF_SPACE: CapSlot = CapSlot(2);
    /// Init's own task.
    pub const SELF_TASK: CapSlot = CapSlot(3);
    /// The system capability (shutdown, frame census).
    pub const SYSTEM: CapSlot = CapSlot(4);
    /// The first slot init can use freely.
    pub const FIRST_FREE: CapSlot = CapSlot(8);
}
