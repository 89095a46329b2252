//! `AsPages` given hostile arguments: kernel and non-canonical addresses, ranges past the end of
//! user space or backwards, the whole of user space with pages at both ends, no IPC buffer to
//! write into, and a copy of its space capability without `READ`.
use test_programs::hostile::case::{check, refusal, refused, survival, works, Case, Checked};
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, USER_END, USER_TOP};
use userlib::SysError::*;
use userlib::{slots, sys, AddressSpace, CapSlot, FramePool, PageRights, Rights};

const POOL: FramePool = FramePool(slots::POOL);
const SPACE: AddressSpace = AddressSpace(slots::SELF_SPACE);
const SCRATCH: CapSlot = CapSlot(20);
/// The last page that can be mapped.
const TOP: u64 = USER_TOP - PAGE_SIZE;

pub const CASES: &[Case] = &[
    survival(18, "list its pages with hostile ranges", hostile_ranges),
    refusal(
        19,
        "list its pages through a copy without READ",
        MissingRights,
        || {
            sys::cap_copy(slots::SELF_SPACE, SCRATCH, Rights::all() - Rights::READ)?;
            let listed = sys::as_pages(SCRATCH, 0, USER_TOP);
            sys::cap_delete(SCRATCH)?;
            listed.map(drop)
        },
    ),
];

fn hostile_ranges() -> Checked {
    for (start, end) in [
        (0, USER_END),
        (0, USER_TOP + PAGE_SIZE),
        (USER_TOP, USER_END),
        (0xFFFF_8000_0000_0000, 0xFFFF_8000_0010_0000),
        (0xFFFF_FFFF_8000_0000, !(PAGE_SIZE - 1)),
        (0xDEAD_0000_0000_0000, 0xDEAD_0000_0001_0000),
        (0x2000, 0x1000),
        (0x1001, 0x2000),
        (0, u64::MAX),
    ] {
        refused(
            sys::as_pages(slots::SELF_SPACE, start, end),
            BadAddress,
            "a bad range",
        )?;
    }
    let listed = works(
        SPACE.pages(USER_TOP, USER_TOP),
        "an empty range at USER_TOP",
    )?;
    check(
        listed.count == 0 && listed.next == USER_TOP,
        "nothing listed",
        listed.next,
    )?;
    // Pages at both ends of user space: the walk from 0 to USER_TOP is a few calls.
    let low = works(POOL.alloc(), "alloc")?;
    let high = works(POOL.alloc(), "alloc")?;
    works(
        SPACE.map(POOL, low, PAGE_SIZE, PageRights::WRITE),
        "map at the bottom",
    )?;
    works(
        SPACE.map(POOL, high, TOP, PageRights::empty()),
        "map at the top",
    )?;
    let walked = walk_all();
    works(SPACE.unmap(PAGE_SIZE), "unmap")?;
    works(SPACE.unmap(TOP), "unmap")?;
    works(POOL.free(low), "free")?;
    works(POOL.free(high), "free")?;
    let (found, calls) = walked?;
    check(
        calls <= 64,
        "a few calls for the whole of user space",
        calls,
    )?;
    check(
        found == 4,
        "both pages, the console page and the IPC buffer found",
        found,
    )?;
    // No IPC buffer: nothing to write the pages into.
    let buffer = works(SPACE.unmap(IPC_BUFFER), "unmap the IPC buffer")?;
    let refusal = sys::as_pages(slots::SELF_SPACE, 0, USER_TOP);
    works(
        SPACE.map(POOL, buffer, IPC_BUFFER, PageRights::WRITE),
        "map it back",
    )?;
    refused(refusal, NoIpcBuffer, "AsPages without an IPC buffer")
}

/// Walks all of user space; returns how many of the pages it must see it saw, and the calls made.
fn walk_all() -> Result<(u64, u64), test_programs::hostile::case::Failure> {
    let (mut at, mut found, mut calls) = (0, 0, 0);
    while at < USER_TOP {
        let listed = works(SPACE.pages(at, USER_TOP), "list")?;
        check(
            listed.next > at && listed.next <= USER_TOP,
            "progress",
            listed.next,
        )?;
        for page in listed.pages() {
            let expected = [PAGE_SIZE, CONSOLE, IPC_BUFFER, TOP].contains(&page.addr);
            found += u64::from(expected);
        }
        (at, calls) = (listed.next, calls + 1);
    }
    Ok((found, calls))
}
