//! The framebuffer's device-frame capability misused by a device holder (init gives rogue the
//! system capability with `DEVICE`): pages past the device's end, an unknown device, over pages
//! already mapped, executable, without `MAP`, the wrong kinds; its frames through the pool's calls
//! (map, free, copy, share); a space destroyed with device pages mapped. Device pages are never
//! user frames: nothing here may change a map count or the census.
use test_programs::hostile::case::{check, refusal, survival, works, Case, Checked};
use userlib::abi::device::FRAMEBUFFER;
use userlib::abi::space::ShareMode;
use userlib::layout::{CONSOLE, PAGE_SIZE};
use userlib::SysError::*;
use userlib::{slots, sys, CapSlot, PageRights, Rights, SysError};

const FRAMES: CapSlot = CapSlot(24);
const WEAK: CapSlot = CapSlot(25);
const SPACE: CapSlot = CapSlot(26);
const OTHER: CapSlot = CapSlot(27);
/// Where the cases map device pages in rogue's own space (nothing else is there).
const AT: u64 = 0x0000_3000_0000_0000;
const W: PageRights = PageRights::WRITE;

/// The framebuffer's capability in `FRAMES`; its page count.
fn framebuffer() -> Result<u64, SysError> {
    Ok(sys::device_frames_create(slots::DEVICE, FRAMEBUFFER, FRAMES)?.pages)
}

/// Device page `page` at `vaddr` in rogue's own space.
fn map(vaddr: u64, page: u64, rights: PageRights) -> Result<(), SysError> {
    sys::as_map_device(FRAMES, slots::SELF_SPACE, vaddr, page, rights).map(drop)
}

/// The frame of the framebuffer's first page (mapped and unmapped again to learn it).
fn first_frame() -> Result<u64, SysError> {
    framebuffer()?;
    map(AT, 0, W)?;
    sys::as_unmap(slots::SELF_SPACE, AT)
}

pub const CASES: &[Case] = &[
    refusal(
        150,
        "map a page past the framebuffer's end",
        InvalidArgument,
        || map(AT, framebuffer()?, W),
    ),
    refusal(
        151,
        "map the page at offset 2^64 - 1",
        InvalidArgument,
        || {
            framebuffer()?;
            map(AT, u64::MAX, W)
        },
    ),
    refusal(
        152,
        "the memory of a device the kernel does not know",
        InvalidArgument,
        || sys::device_frames_create(slots::DEVICE, 1, FRAMES).map(drop),
    ),
    refusal(
        153,
        "map a device page over the console page",
        AlreadyMapped,
        || {
            framebuffer()?;
            map(CONSOLE, 0, W)
        },
    ),
    refusal(154, "map a device page executable", InvalidArgument, || {
        framebuffer()?;
        map(AT, 0, W | PageRights::EXECUTE)
    }),
    refusal(
        155,
        "make a mapped device page executable",
        InvalidArgument,
        || {
            framebuffer()?;
            map(AT, 0, W)?;
            let r = sys::as_protect(slots::SELF_SPACE, AT, PageRights::EXECUTE);
            sys::as_unmap(slots::SELF_SPACE, AT)?;
            r
        },
    ),
    refusal(
        156,
        "map with the capability minted without MAP",
        MissingRights,
        || {
            framebuffer()?;
            sys::cap_copy(FRAMES, WEAK, Rights::READ)?;
            sys::as_map_device(WEAK, slots::SELF_SPACE, AT, 0, W).map(drop)
        },
    ),
    refusal(157, "a space capability as the device's", WrongKind, || {
        sys::as_map_device(slots::SELF_SPACE, slots::SELF_SPACE, AT, 0, W).map(drop)
    }),
    refusal(
        158,
        "AsMap a framebuffer frame from the pool",
        BadFrame,
        || {
            let frame = first_frame()?;
            sys::as_map(slots::SELF_SPACE, slots::POOL, frame, AT, W)
        },
    ),
    refusal(
        159,
        "give a framebuffer frame back to the pool",
        BadFrame,
        || sys::frame_free(slots::POOL, first_frame()?),
    ),
    refusal(
        160,
        "copy a mapped device page (a copy-on-write break)",
        BadFrame,
        || {
            framebuffer()?;
            map(AT, 0, W)?;
            let r = sys::as_copy(slots::SELF_SPACE, slots::POOL, AT, W).map(drop);
            sys::as_unmap(slots::SELF_SPACE, AT)?;
            r
        },
    ),
    survival(
        161,
        "share device pages into another space, then destroy it with device pages mapped",
        shared_and_destroyed,
    ),
];

/// Device pages shared (both modes) into another space are skipped; a space destroyed with device
/// pages mapped gives back its tables and nothing else (init's census after the batch checks).
fn shared_and_destroyed() -> Checked {
    let pages = works(framebuffer(), "the framebuffer")?.min(600);
    works(sys::as_create(slots::POOL, SPACE), "a space")?;
    works(sys::as_create(slots::POOL, OTHER), "another")?;
    for page in 0..pages {
        let at = AT + page * PAGE_SIZE;
        works(sys::as_map_device(FRAMES, SPACE, at, page, W), "map")?;
    }
    let end = AT + pages * PAGE_SIZE;
    for mode in [ShareMode::COPY_ON_WRITE, ShareMode::EAGER] {
        works(
            sys::as_share_all(SPACE, OTHER, AT, end, mode, slots::POOL),
            "share",
        )?;
        let listed = works(sys::as_pages(OTHER, AT, end), "list")?;
        check(listed.count == 0, "nothing was shared", listed.count as u64)?;
    }
    let (frame, _) = works(sys::as_query(SPACE, AT + PAGE_SIZE), "query")?;
    let again = sys::as_map_device(FRAMES, SPACE, AT, 1, W);
    check(
        again == Err(AlreadyMapped),
        "no second mapping over the first",
        frame,
    )?;
    works(sys::as_destroy(SPACE), "destroy it, device pages mapped")?;
    works(sys::as_destroy(OTHER), "destroy the other")?;
    for slot in [SPACE, OTHER, FRAMES] {
        works(sys::cap_delete(slot), "delete")?;
    }
    Ok(())
}
