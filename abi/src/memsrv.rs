//! The memory server's protocol: what processes ask of it (WeensyOS's `page_alloc`, `fork`, `wait`,
//! `getpid`, ...), each request a label and at most four words, so every call takes the register
//! fast path. Replies: label 0 and result words on success, or label = a [`MemError`] code.
//! Processes reach the server through their `slots::SUPERVISOR` endpoint, badged with their pid.
//! The server's side is `servers/memsrv`; the calls are `userlib::process`. See
//! `docs/memory-server.md`.

numbered_enum! {
    /// A request's label.
    pub enum Request: u32 {
        /// w0 = a page-aligned address (not the null page): map a fresh zeroed page there.
        /// Reply: nothing. The page and the page tables to reach it are charged to the caller's
        /// job.
        PageAlloc = 1,
        /// w0 = increment in bytes (signed): move the program break. Reply: w0 = the old break.
        /// Pages between the heap's start and the break appear, zeroed, when first touched.
        Sbrk = 2,
        /// w0 = a [`ForkMode`]. Reply: w0 = the child's pid in the parent, 0 in the child.
        Fork = 3,
        /// w0 = a pid, or 0 for any child; w1 = [`WAIT_NOHANG`] or 0. Reply: w0 = the pid,
        /// w1 = the exit status, w2 = [`ExitHow`]. Blocks until a child has ended (unless NOHANG:
        /// then [`MemError::WouldBlock`]). A parent keeps at most 8 unreaped children (the oldest
        /// is dropped past that); init sees a program it started end once its whole job has.
        /// Only a called `Wait` is answered (a sent one is ignored: it could have no reply).
        Wait = 4,
        /// Reply: w0 = the caller's pid.
        GetPid = 5,
        /// w0, w1 = a program name ([`pack_name`]), w2 = its start argument. Starts the program
        /// from the boot archive as a child of the caller, in the caller's job (a new job when
        /// init asks). Reply: w0 = its pid. The system's own programs (`system` in the registry:
        /// init, the memory server, ...) are [`MemError::NoSuchProgram`].
        Spawn = 6,
        /// w0 = the pid of one of the caller's children, or 0 for all of them: end it and its
        /// descendants (its status reads as killed). A process whose parent ends is adopted by
        /// init; the first process of its job (the program init started: a shell) may still end
        /// it by its pid ([`ProcState::Orphan`] in `Processes`).
        Kill = 7,
        /// Run the consistency checks (every mapping of every process against the server's
        /// records and the kernel's counts, and its page tables against its charge). Reply:
        /// w0 = the number of violations (each printed), w1 = the pages of the server's own heap
        /// and w2 = the page-table frames of its own space (they grow with the records it keeps,
        /// and are not given back: init allows for them when it compares censuses). Only init may
        /// ask (a check walks every process's pages); others get `BadRequest`.
        Check = 8,
        /// w0 = an address in the caller's space. Reply: w0 = the frame mapped there, w1 = its
        /// rights (`PageRights` bits), w2 = its map count. For tests and the viewer.
        FrameOf = 9,
        /// Any process (it reveals no frames). w0 = a pid: the live process with the lowest pid
        /// from w0 on. Reply (five words): w0 = its pid, w1, w2 = its name ([`pack_name`]), w3 =
        /// its parent, w4 = its [`ProcState`]; [`MemError::NoChild`] if there is none. (`ps` in
        /// the shell; the viewer's process list.)
        Processes = 10,
        /// Observer only. w0 = a pid (0: the memory server itself), w1 = an address to start
        /// from. Reply (a long message): w0 = the address to ask from next (0: done), w1 = the
        /// number n of pages reported, then two words for each mapped page from w1 on, in
        /// address order: [`PageEntry::pack`] and the frame. At most [`PAGES_PER_REPLY`] pages,
        /// and a bounded walk, per request.
        Pages = 11,
        /// Observer only. w0 = a pid, w1 = a first capability slot. Reply (long): w0 = slots
        /// described, w1 = what it does (`abi::inspect::Activity`), w2 = the object it waits on,
        /// w3 = its CPU (where it runs, is queued, or ran last), then two words per slot (`abi::inspect::CapEntry`), at most
        /// [`SLOTS_PER_REPLY`].
        Caps = 12,
        /// Reply: nothing; the caller's `slots::NAMES` now holds its capability to the name
        /// service, badged with its pid (the server tells the service the process exists, and
        /// its job and program, the first time). The server's processes get it on first use
        /// (`userlib::names` asks when the slot is empty), so a process that never uses the
        /// service (a fork child, most of the time) costs the service nothing. `BadRequest` if
        /// the slot is not empty.
        NameService = 13,
        /// [`Request::Spawn`] with an argument string (a long message): w0, w1 = the name, w2 =
        /// the start argument (rdi, as `Spawn`'s), w3 = the string's length n in bytes (at most
        /// [`ARGS_MAX`], UTF-8), then the bytes in w4.. (little-endian, zero-padded to whole
        /// words: the message has exactly 4 + ceil(n / 8) words). The server writes the string
        /// into the child's IPC-buffer page at [`crate::layout::ARGS`], where no message reaches
        /// (`userlib::process::args`). Reply: w0 = the pid. `BadRequest` for a length, padding or
        /// word count that disagree, or bytes that are not UTF-8.
        SpawnArgs = 14,
        /// The frame census, counted from the kernel's frame states (the server holds the system
        /// capability with `READ`). Reply: w0 = free, w1 = kernel, w2 = page-table, w3 = user
        /// frames. (`mem` in the shell.)
        Census = 15,
    }
}

/// Most bytes of a [`Request::SpawnArgs`] argument string (a shell line fits).
pub const ARGS_MAX: usize = 128;

numbered_enum! {
    /// A live process's state, as `Processes` reports it (w4).
    pub enum ProcState: u64 {
        /// Running, ready or blocked, with its parent alive.
        Running = 0,
        /// Its parent ended: init adopted it, and nobody waits for it.
        Orphan = 1,
    }
}

/// The badge of the observer's endpoint to the server (init mints it for the memory viewer; no
/// pid reaches it). Only requests through it may ask `Pages` and `Caps`: they reveal every
/// process's frames. (`Processes` any process may ask.)
pub const OBSERVER: u64 = 1 << 62;

/// Pages in one `Pages` reply (two words each after w0, w1).
pub const PAGES_PER_REPLY: usize = (crate::msg::MAX_WORDS - 2) / 2;

/// Slots in one `Caps` reply (two words each after w0..w3).
pub const SLOTS_PER_REPLY: usize = (crate::msg::MAX_WORDS - 4) / 2;

numbered_enum! {
    /// Which of its regions a process's page is in (`Pages`).
    pub enum Region: u64 {
        /// Code or read-only data: shared by fork, never writable.
        ReadOnly = 0,
        /// Data or bss: copy-on-write after fork.
        Data = 1,
        /// The heap (below the break).
        Heap = 2,
        /// Mapped by `page_alloc`.
        Allocated = 3,
        /// The stack.
        Stack = 4,
        /// The IPC buffer.
        IpcBuffer = 5,
        /// The console page.
        Console = 6,
        /// The memory server's own pages (its image, stack, the boot archive, its window).
        Server = 7,
    }
}

/// One mapped page of a `Pages` reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageEntry {
    /// The page's address.
    pub addr: u64,
    /// Its mapping's rights.
    pub rights: crate::PageRights,
    /// The region of the process it is in.
    pub region: Region,
    /// The frame mapped there.
    pub frame: u64,
}

impl PageEntry {
    /// The first word: the page address with the rights in bits 0..4 and the region in 4..8.
    #[inline]
    pub fn pack(&self) -> [u64; 2] {
        let word = self.addr | (self.rights.bits() & 0xf) | self.region.raw() << 4;
        [word, self.frame]
    }

    /// The entry from its two words.
    #[inline]
    pub fn unpack(words: [u64; 2]) -> PageEntry {
        PageEntry {
            addr: words[0] & !0xfff,
            rights: crate::PageRights::from_bits_truncate(words[0] & 0xf),
            region: Region::from_raw((words[0] >> 4) & 0xf).unwrap_or(Region::Server),
            frame: words[1],
        }
    }
}

numbered_enum! {
    /// Why the memory server refused a request (the reply's label).
    pub enum MemError: u32 {
        /// An address that is not page-aligned, not in user space, or already in use.
        BadAddress = 1,
        /// No memory left (the system's, or the caller's job's quota).
        OutOfMemory = 2,
        /// No such child (or, for `Wait`, no children at all).
        NoChild = 3,
        /// No program of that name in the boot archive (or it is not a valid executable).
        NoSuchProgram = 4,
        /// No process slot for another process: the system's, or the caller's job's (limits in
        /// `docs/memory-server.md`).
        TooManyProcesses = 5,
        /// An unknown label, a bad argument, or a message not shaped as the protocol says.
        BadRequest = 6,
        /// `Wait` with [`WAIT_NOHANG`]: children exist, but none has ended.
        WouldBlock = 7,
    }
}

impl core::fmt::Display for MemError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

numbered_enum! {
    /// How `Fork` treats the parent's writable pages.
    pub enum ForkMode: u64 {
        /// Shared read-only in both; copied on the first write (the default).
        CopyOnWrite = 0,
        /// Copied at once (WeensyOS step 5); read-only pages are shared (step 7).
        Eager = 1,
    }
}

numbered_enum! {
    /// How a child ended (`Wait`'s w2).
    pub enum ExitHow: u64 {
        /// It called `exit`; w1 is its status.
        Exited = 0,
        /// It was killed (a fault it could not survive, or `Kill`); w1 is -1.
        Killed = 1,
    }
}

/// Init's pid: init spawns the programs of the command line, so it is their parent. (The server
/// numbers the processes it starts from 2.)
pub const INIT_PID: u64 = 1;

/// `Wait`'s w1: return [`MemError::WouldBlock`] instead of blocking.
pub const WAIT_NOHANG: u64 = 1;

/// Most bytes of a program name in `Spawn`.
pub const NAME_MAX: usize = 16;

/// Packs a name of at most [`NAME_MAX`] bytes into two words (little-endian, zero-padded).
pub fn pack_name(name: &str) -> Option<[u64; 2]> {
    let bytes = name.as_bytes();
    if bytes.len() > NAME_MAX {
        return None;
    }
    let mut buf = [0u8; NAME_MAX];
    buf[..bytes.len()].copy_from_slice(bytes);
    let word = |i: usize| u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    Some([word(0), word(1)])
}

/// The bytes of a packed name, without the padding.
pub fn unpack_name(words: [u64; 2]) -> ([u8; NAME_MAX], usize) {
    let mut buf = [0u8; NAME_MAX];
    buf[..8].copy_from_slice(&words[0].to_le_bytes());
    buf[8..].copy_from_slice(&words[1].to_le_bytes());
    let len = buf.iter().position(|&b| b == 0).unwrap_or(NAME_MAX);
    (buf, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_entries_round_trip() {
        let e = PageEntry {
            addr: 0x7fff_fffe_e000,
            rights: crate::PageRights::WRITE,
            region: Region::Stack,
            frame: 0x1234,
        };
        assert_eq!(PageEntry::unpack(e.pack()), e);
    }

    #[test]
    fn names_round_trip_and_long_ones_are_refused() {
        for name in ["", "fork", "exactly16bytes!!"] {
            let (buf, len) = unpack_name(pack_name(name).unwrap());
            assert_eq!(&buf[..len], name.as_bytes());
        }
        assert_eq!(pack_name("seventeen bytes!!"), None);
    }
}
