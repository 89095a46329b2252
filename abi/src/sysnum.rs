//! Syscall numbers. Each syscall is specified in `docs/syscalls.md`.
//!
//! Register convention (`syscall` instruction): `rax` = number; arguments in `rdi, rsi, rdx, r10, r8, r9`
//! (and `r12` for the reply target of `Reply`/`ReplyRecv`, the timeout of `CallTimeout`). On return `rax` = 0 or a [`crate::SysError`]
//! code, results in the same argument registers. `rcx` and `r11` are clobbered (by the CPU); all other
//! registers are preserved unless the syscall returns something in them.

numbered_enum! {
    /// A system call number, passed in `rax`.
    pub enum Sysnum: u64 {
        /// Write bytes to the kernel console: the serial port (made inert, or as they are).
        DebugWrite = 0,
        /// Give up the rest of the time slice.
        Yield = 1,
        /// The calling task's id (its "pid"); also the null syscall of the benchmarks.
        TaskSelf = 2,
        /// End the calling task; its supervisor (fault endpoint) is told the status.
        Exit = 3,
        /// Send a message on an endpoint, blocking until a receiver takes it.
        Send = 4,
        /// Receive a message from an endpoint, blocking until one arrives.
        Recv = 5,
        /// Send, then wait for the receiver's reply (the IPC fast path).
        Call = 6,
        /// Reply to a task blocked in `Call`.
        Reply = 7,
        /// `Reply` then `Recv` in one crossing (the server loop's fast path).
        ReplyRecv = 8,
        /// Copy a capability to another slot, with the same or fewer rights.
        CapCopy = 9,
        /// Copy an unbadged endpoint capability, giving the copy a badge.
        CapMint = 10,
        /// Empty a capability slot.
        CapDelete = 11,
        /// Describe the capability in a slot (kind, rights, badge).
        CapInfo = 12,
        /// Take a zeroed frame from a frame pool.
        FrameAlloc = 13,
        /// Return an unmapped frame to its pool.
        FrameFree = 14,
        /// Create an empty address space (page-table pages are paid from a pool).
        AsCreate = 15,
        /// Map a pool frame into an address space.
        AsMap = 16,
        /// Remove a mapping.
        AsUnmap = 17,
        /// Change the rights of a mapping.
        AsProtect = 18,
        /// Which frame and rights are mapped at an address.
        AsQuery = 19,
        /// Destroy an address space that no task uses; frees its page-table pages.
        AsDestroy = 20,
        /// Create a stopped task in an address space, with an empty capability table.
        TaskCreate = 21,
        /// Copy a task's registers into the caller's IPC buffer.
        TaskReadRegs = 22,
        /// Set a stopped task's registers from the caller's IPC buffer.
        TaskWriteRegs = 23,
        /// Make a stopped task runnable.
        TaskStart = 24,
        /// Stop a task (it leaves any IPC it was blocked in).
        TaskStop = 25,
        /// Destroy a task; every capability to it becomes stale.
        TaskDestroy = 26,
        /// Install a copy of an endpoint capability as a task's fault endpoint.
        TaskSetFault = 27,
        /// Copy a capability from the caller's table into a task's table.
        TaskGiveCap = 28,
        /// Create an endpoint (paid from a pool's authority).
        EndpointCreate = 29,
        /// End the whole system with a status (needs the system capability).
        Shutdown = 30,
        /// Count frames by state and check the accounting (needs the system capability).
        FrameCensus = 31,
        /// Destroy an endpoint; tasks waiting on it wake with `PeerDied`.
        EndpointDestroy = 32,
        /// Give a task a name (16 bytes) for diagnostics and debuggers.
        TaskSetName = 33,
        /// Take a zeroed frame from a pool and map it in one call (demand-zero faults, `page_alloc`).
        AsAlloc = 34,
        /// Share (or copy) the mappings of a range of one address space into another, with rights
        /// masks for both sides; bounded work per call, resumable (fork).
        AsShare = 35,
        /// Replace a mapping with a private copy of its frame (copy-on-write break).
        AsCopy = 36,
        /// The state of a run of physical frames, a byte each, into the caller's IPC buffer (needs
        /// the system capability with `READ`; the memory viewer's source).
        FrameStates = 37,
        /// Another task's capabilities and what it waits for (`abi::inspect`; task `READ`).
        TaskCaps = 38,
        /// `Call` that gives up after `r12` timer ticks with `TimedOut`, whether it still waits to
        /// be received or for the reply (for calling a capability nobody vouches for).
        CallTimeout = 39,
        /// The mapped pages of a range of an address space (address, frame, rights, map count)
        /// into the caller's IPC buffer; bounded work per call, resumable (`abi::space::MappedPage`).
        AsPages = 40,
        /// Create a notification (paid from a pool's authority, as endpoints are).
        NotificationCreate = 41,
        /// OR the capability's badge (1 if unbadged) into a notification's bits, waking a waiter.
        Signal = 42,
        /// Block until a notification's bits are not zero; return them and clear them.
        Wait = 43,
        /// Return a notification's bits (maybe zero) and clear them, without blocking.
        Poll = 44,
        /// Bind a notification to the caller: its `Recv` also returns when the bits are set.
        NotificationBind = 45,
        /// Destroy a notification; tasks waiting on it wake with `PeerDied`.
        NotificationDestroy = 46,
        /// Make the capability for one interrupt line (needs the system capability with `DEVICE`).
        IrqHandlerCreate = 47,
        /// Bind an interrupt line to a notification (its badge is the bits the line signals).
        IrqSetNotification = 48,
        /// The driver has handled the interrupt: unmask the line.
        IrqAck = 49,
        /// Make a capability for a range of I/O ports (needs the system capability with `DEVICE`).
        IoPortCreate = 50,
        /// Read a port of the capability's range (1, 2 or 4 bytes).
        IoIn = 51,
        /// Write a port of the capability's range (1, 2 or 4 bytes).
        IoOut = 52,
        /// Make the capability for a device's memory, e.g. the framebuffer (needs the system
        /// capability with `DEVICE`); returns its geometry (`abi::device::Geometry`).
        DeviceFramesCreate = 53,
        /// Map one page of a device's memory into an address space (never counted, shared or
        /// freed as a user frame).
        AsMapDevice = 54,
        /// Choose the CPUs a task may run on (a bit each); returns the CPUs that run.
        TaskSetAffinity = 55,
    }
}
