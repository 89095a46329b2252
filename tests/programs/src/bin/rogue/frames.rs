//! Frames and mappings used against the rules: freeing frames that are mapped, kernel-owned, page
//! tables or nonexistent; mapping where nothing may be mapped (the top page, the kernel half,
//! non-canonical addresses), over what is mapped, or frames that are not user frames; taking away
//! the IPC buffer and the console page; and the rogue's own code and stack pulled from under it.
use test_programs::hostile::asm::{self, load, store};
use test_programs::hostile::case::{check, kill, refusal, refused, survival, works, Case, Checked};
use userlib::abi::space::UnmapFlags;
use userlib::arch::syscall_raw;
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, USER_END, USER_TOP};
use userlib::SysError::*;
use userlib::{slots, sys, AddressSpace, FramePool, MsgTag, PageRights, SysError, Sysnum};

const POOL: FramePool = FramePool(slots::POOL);
const SPACE: AddressSpace = AddressSpace(slots::SELF_SPACE);
/// A region of the rogue's space with no page tables at all (a top-level entry of its own).
const FRESH: u64 = 0x0000_6000_0000_0000;
/// Where the rogue maps frames to look at them.
const SCRATCH: u64 = 0x0000_3000_0000_0000;
const WORDS_PER_PAGE: u64 = PAGE_SIZE / 8;

/// The page this function's code is on.
fn own_code_page() -> u64 {
    own_code_page as fn() -> u64 as usize as u64 & !(PAGE_SIZE - 1)
}

/// The console frame (a kernel frame every address space maps).
fn console_frame() -> Result<u64, SysError> {
    SPACE.query(CONSOLE).map(|(frame, _)| frame)
}

/// Runs `hostile` with a fresh frame, which it must leave unmapped; frees the frame afterwards.
fn with_frame<T>(hostile: impl FnOnce(u64) -> Result<T, SysError>) -> Result<T, SysError> {
    let frame = POOL.alloc()?;
    let result = hostile(frame);
    POOL.free(frame)?;
    result
}

fn map(frame: u64, vaddr: u64) -> Result<(), SysError> {
    SPACE.map(POOL, frame, vaddr, PageRights::WRITE)
}

pub const CASES: &[Case] = &[
    refusal(1, "free a mapped frame (its own code)", FrameInUse, || {
        let (frame, _) = SPACE.query(own_code_page())?;
        POOL.free(frame)
    }),
    refusal(2, "free the console frame", BadFrame, || {
        POOL.free(console_frame()?)
    }),
    survival(3, "free frames that do not exist", || {
        for frame in [0, 0x8000, 1 << 20, 1 << 32, u64::MAX] {
            refused(
                POOL.free(frame),
                BadFrame,
                "free a frame that is no user frame",
            )?;
        }
        Ok(())
    }),
    refusal(4, "free a frame twice", BadFrame, || {
        let frame = POOL.alloc()?;
        POOL.free(frame)?;
        POOL.free(frame)
    }),
    survival(5, "free and map page-table frames", page_table_frames),
    refusal(6, "map the never-mappable top page", BadAddress, || {
        with_frame(|f| map(f, USER_TOP))
    }),
    survival(
        7,
        "map, query, protect, unmap where user pages cannot be",
        unmappable,
    ),
    refusal(8, "map over the IPC buffer", AlreadyMapped, || {
        with_frame(|f| map(f, IPC_BUFFER))
    }),
    survival(9, "map frames that are not user frames", non_user_frames),
    refusal(10, "map with unknown rights bits", InvalidArgument, || {
        with_frame(|f| {
            let a = [
                slots::SELF_SPACE.0 as u64,
                slots::POOL.0 as u64,
                f,
                SCRATCH,
                1 << 7,
                0,
            ];
            SysError::from_rax(syscall_raw(Sysnum::AsMap.raw(), a, 0).rax)
        })
    }),
    survival(11, "map a page at address 0", page_zero),
    survival(
        12,
        "map one frame twice, free it while mapped",
        mapped_twice,
    ),
    survival(
        13,
        "a reallocated frame reads as zero",
        fresh_frames_are_zero,
    ),
    survival(
        14,
        "IPC-buffer syscalls with the buffer unmapped",
        no_ipc_buffer,
    ),
    survival(
        15,
        "IPC-buffer syscalls with the buffer read-only",
        read_only_ipc_buffer,
    ),
    survival(16, "unmap the console page, map over it", console_page),
    survival(17, "unmap, protect, query where nothing is mapped", || {
        refused(SPACE.unmap(SCRATCH), NotMapped, "unmap")?;
        refused(
            SPACE.protect(SCRATCH, PageRights::WRITE),
            NotMapped,
            "protect",
        )?;
        refused(SPACE.query(SCRATCH), NotMapped, "query")
    }),
    kill(50, "take EXECUTE from its own code", || {
        asm::syscall_on_own_code_page(Sysnum::AsProtect.raw(), slots::SELF_SPACE.0 as u64, 0)
    }),
    // 51 and 52 unmap with RELEASE: init no longer records the frames it loads a program into
    // (destroying the space releases them), so a frame a program unmaps without RELEASE is its
    // own to free, and here it never could.
    kill(51, "unmap its own code", || {
        let (space, release) = (slots::SELF_SPACE.0 as u64, UnmapFlags::RELEASE.bits());
        asm::syscall_on_own_code_page(Sysnum::AsUnmap.raw(), space, release)
    }),
    kill(52, "unmap its own stack", || {
        let (space, release) = (slots::SELF_SPACE.0 as u64, UnmapFlags::RELEASE.bits());
        asm::syscall_on_own_stack_page(Sysnum::AsUnmap.raw(), space, release)
    }),
];

/// Page-table frames come from the same free frames as user frames: zeroed ones first (the kernel
/// zeroes frames while idle), then the last freed. Free three frames, map at an address that
/// needs three new tables, and those frames are the tables (unless frames were zeroed ahead:
/// then they are still free). Either way neither can be freed or mapped. (This case used to check
/// that the tables, emptied, are allocated again first; with frames zeroed ahead the order of
/// reuse is the kernel's business, and init's census checks they came back.)
fn page_table_frames() -> Checked {
    let leaf = works(POOL.alloc(), "alloc")?;
    let tables: [u64; 3] = [
        works(POOL.alloc(), "alloc")?,
        works(POOL.alloc(), "alloc")?,
        works(POOL.alloc(), "alloc")?,
    ];
    for &t in tables.iter().rev() {
        works(POOL.free(t), "free")?;
    }
    works(map(leaf, FRESH), "map where three tables are needed")?;
    for &t in &tables {
        refused(POOL.free(t), BadFrame, "free a page-table frame")?;
        refused(map(t, SCRATCH), BadFrame, "map a page-table frame")?;
    }
    check(
        works(SPACE.unmap(FRESH), "unmap")? == leaf,
        "the frame mapped comes back",
        leaf,
    )?;
    works(POOL.free(leaf), "free")
}

fn unmappable() -> Checked {
    let frame = works(POOL.alloc(), "alloc")?;
    let bad = [
        USER_TOP,
        USER_TOP + 0x800,
        USER_END,
        USER_END + PAGE_SIZE,
        0xDEAD_0000_0000_0000,
        0xFFFF_8000_0000_0000,
        0xFFFF_FFFF_8000_0000,
        !(PAGE_SIZE - 1),
        SCRATCH + 1,
    ];
    for &vaddr in &bad {
        refused(map(frame, vaddr), BadAddress, "map")?;
        refused(SPACE.query(vaddr), BadAddress, "query")?;
        refused(
            SPACE.protect(vaddr, PageRights::WRITE),
            BadAddress,
            "protect",
        )?;
        refused(SPACE.unmap(vaddr), BadAddress, "unmap")?;
    }
    works(POOL.free(frame), "free")
}

fn non_user_frames() -> Checked {
    let console = works(console_frame(), "query the console")?;
    let freed = works(POOL.alloc(), "alloc")?;
    works(POOL.free(freed), "free")?;
    for frame in [console, freed, 0, 0x8000, u64::MAX] {
        refused(
            map(frame, SCRATCH),
            BadFrame,
            "map a frame that is no user frame",
        )?;
    }
    Ok(())
}

fn page_zero() -> Checked {
    let frame = works(POOL.alloc(), "alloc")?;
    works(map(frame, 0), "map at 0")?;
    store(0, 0x5a5a);
    let read = load(0);
    let back = works(SPACE.unmap(0), "unmap")?;
    works(POOL.free(frame), "free")?;
    check(read == 0x5a5a, "the page at 0 holds what was written", read)?;
    check(back == frame, "the frame comes back", back)
}

fn mapped_twice() -> Checked {
    let frame = works(POOL.alloc(), "alloc")?;
    let second = SCRATCH + PAGE_SIZE;
    works(map(frame, SCRATCH), "map")?;
    works(map(frame, second), "map again")?;
    store(SCRATCH, 0x7777);
    check(
        load(second) == 0x7777,
        "both addresses show one frame",
        load(second),
    )?;
    refused(POOL.free(frame), FrameInUse, "free while mapped twice")?;
    works(SPACE.unmap(SCRATCH), "unmap")?;
    refused(POOL.free(frame), FrameInUse, "free while still mapped once")?;
    works(SPACE.unmap(second), "unmap")?;
    works(POOL.free(frame), "free")
}

fn fresh_frames_are_zero() -> Checked {
    let frame = works(POOL.alloc(), "alloc")?;
    works(map(frame, SCRATCH), "map")?;
    for i in 0..WORDS_PER_PAGE {
        store(SCRATCH + i * 8, 0xDEAD_BEEF_0000_0000 | i);
    }
    works(SPACE.unmap(SCRATCH), "unmap")?;
    works(POOL.free(frame), "free")?;
    // The kernel hands out frames it zeroed ahead (while idle) before the one just freed, so
    // allocate until that one comes back (or a few tries have passed): each must read as zero.
    // (This case used to expect the freed frame first, when the free list was last-in first-out.)
    let mut taken = [0u64; 16];
    let mut result = Ok(());
    for slot in taken.iter_mut() {
        *slot = works(POOL.alloc(), "alloc")?;
        works(map(*slot, SCRATCH), "map")?;
        let dirty = (0..WORDS_PER_PAGE).find(|i| load(SCRATCH + i * 8) != 0);
        works(SPACE.unmap(SCRATCH), "unmap")?;
        result = check(dirty.is_none(), "every word zero", dirty.unwrap_or(0));
        if result.is_err() || *slot == frame {
            break;
        }
    }
    for &f in taken.iter().filter(|&&f| f != 0) {
        works(POOL.free(f), "free")?;
    }
    result
}

/// The syscalls that need the caller's IPC buffer must refuse with `NoIpcBuffer`.
fn ipc_buffer_refusals(what: &'static str) -> Checked {
    refused(sys::task_read_regs(slots::SELF_TASK), NoIpcBuffer, what)?;
    let long = MsgTag::new(1, 5, 0);
    refused(sys::send(slots::OWN, long, [0; 4]), NoIpcBuffer, what)?;
    refused(sys::call(slots::OWN, long, [0; 4]), NoIpcBuffer, what)?;
    refused(sys::reply(0, long, [0; 4]), NoIpcBuffer, what)
}

fn no_ipc_buffer() -> Checked {
    let frame = works(SPACE.unmap(IPC_BUFFER), "unmap the IPC buffer")?;
    let refusals = ipc_buffer_refusals("a syscall that needs the IPC buffer");
    let task = SPACE.create_task(userlib::CapSlot(20));
    let write = task.and_then(|(t, _)| sys::task_write_regs(t.slot()));
    works(map(frame, IPC_BUFFER), "map the IPC buffer back")?;
    let _ = sys::cap_delete(userlib::CapSlot(20));
    refusals?;
    refused(write, NoIpcBuffer, "TaskWriteRegs")?;
    works(
        sys::task_read_regs(slots::SELF_TASK),
        "TaskReadRegs with the buffer back",
    )
}

fn read_only_ipc_buffer() -> Checked {
    works(
        SPACE.protect(IPC_BUFFER, PageRights::empty()),
        "protect the IPC buffer",
    )?;
    let refusals = ipc_buffer_refusals("a syscall that writes the IPC buffer");
    works(
        SPACE.protect(IPC_BUFFER, PageRights::WRITE),
        "protect it back",
    )?;
    refusals?;
    works(
        sys::task_read_regs(slots::SELF_TASK),
        "TaskReadRegs with the buffer writable",
    )
}

fn console_page() -> Checked {
    let console = works(SPACE.unmap(CONSOLE), "unmap the console page")?;
    refused(
        map(console, CONSOLE),
        BadFrame,
        "map the console frame back",
    )?;
    refused(
        map(console, SCRATCH),
        BadFrame,
        "map the console frame elsewhere",
    )?;
    let frame = works(POOL.alloc(), "alloc")?;
    works(
        map(frame, CONSOLE),
        "map a user frame where the console was",
    )?;
    store(CONSOLE, 1);
    works(SPACE.unmap(CONSOLE), "unmap it")?;
    // A console page again (a fresh frame: the console's own is gone for good), for `println!`
    // writes into it; the space's end gives the frame back.
    works(map(frame, CONSOLE), "a page where the console was")
}
