//! Error codes returned in `rax` (0 means success).

numbered_enum! {
    /// Why a syscall failed. Every invalid use from user space maps to one of these.
    pub enum SysError: u64 {
        /// `rax` held no known syscall number.
        UnknownSyscall = 1,
        /// The slot number is outside the capability table.
        InvalidSlot = 2,
        /// The slot holds no capability.
        EmptySlot = 3,
        /// The capability is of the wrong kind for this operation.
        WrongKind = 4,
        /// The capability lacks a right this operation needs.
        MissingRights = 5,
        /// The object the capability named has been destroyed.
        StaleCap = 6,
        /// The destination slot is not empty.
        SlotOccupied = 7,
        /// A user address is outside user space, misaligned, or its range overflows.
        BadAddress = 8,
        /// Nothing is mapped there (or not with the access the kernel needed).
        NotMapped = 9,
        /// Something is already mapped there.
        AlreadyMapped = 10,
        /// No free frame, or a fixed-size kernel table is full.
        OutOfMemory = 11,
        /// The frame number does not name a frame allocated from this pool.
        BadFrame = 12,
        /// The frame is still mapped somewhere.
        FrameInUse = 13,
        /// An argument is out of range (a message length, a rights mask, a register value...).
        InvalidArgument = 14,
        /// The task named in `Reply` is not waiting for a reply from the caller.
        NoReplyTarget = 15,
        /// The task has no IPC buffer mapped at `layout::IPC_BUFFER`.
        NoIpcBuffer = 16,
        /// The object is still used (an address space with live tasks).
        InUse = 17,
        /// The task is not in a state that allows this (e.g. writing registers of a running task).
        BadTaskState = 18,
        /// The operation would make a task wait on itself.
        Deadlock = 19,
        /// The task at the other end of the IPC was destroyed, or the endpoint was.
        PeerDied = 20,
        /// The task was stopped while it waited in a syscall.
        Interrupted = 21,
        /// A receive with a timeout: the time passed with no message.
        TimedOut = 22,
    }
}

/// A check: `Err(error)` unless `ok` (the kernel's decode steps, one line each).
#[inline(always)]
pub fn ensure(ok: bool, error: SysError) -> Result<(), SysError> {
    ok.then_some(()).ok_or(error)
}

impl SysError {
    /// Decodes `rax` after a syscall: 0 is success. (The kernel returns only codes listed here;
    /// anything else would be a kernel bug and reads as `InvalidArgument`.)
    #[inline]
    pub const fn from_rax(rax: u64) -> Result<(), SysError> {
        if rax == 0 {
            return Ok(());
        }
        match SysError::from_raw(rax) {
            Some(e) => Err(e),
            None => Err(SysError::InvalidArgument),
        }
    }
}

impl core::fmt::Display for SysError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?} ({})", self, self.raw())
    }
}
