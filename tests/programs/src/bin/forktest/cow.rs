//! Cases 4-5: copy-on-write and eager fork, seen through `frame_of` (frame, rights, map count).
use crate::checks::{exited_with, filled_page, fork_child, holds, writable, Checks, SCRATCH};
use userlib::abi::memsrv::ForkMode;
use userlib::layout::PAGE_SIZE;
use userlib::println;
use userlib::process::{self, getpid};
use weensyos::pages;

/// The page the child writes, and the one nobody writes.
const WRITTEN: u64 = SCRATCH + 0x10_0000;
const UNTOUCHED: u64 = WRITTEN + PAGE_SIZE;

type Mapping = (u64, u64, u64);

fn mapping(addr: u64) -> Mapping {
    process::frame_of(addr).unwrap_or((0, 0, 0))
}

/// The child's side of case 4; its exit status names the first check that failed.
fn cow_child(parent: u64, written: Mapping, untouched: Mapping) -> i32 {
    let before = mapping(WRITTEN);
    if before.0 != written.0 || before.2 < 2 || writable(before.1) {
        println!("forktest:4: child: before writing, {before:x?} (parent's {written:x?})");
        return 10;
    }
    if !holds(WRITTEN, parent) || mapping(WRITTEN).0 != written.0 {
        println!("forktest:4: child: reading copied the page or lost its contents");
        return 11;
    }
    // SAFETY: `WRITTEN` is a scratch page the parent mapped writable and the child inherited
    // (copy-on-write); no Rust object lives there.
    unsafe { pages::fill(WRITTEN, getpid()) };
    let after = mapping(WRITTEN);
    if after.0 == written.0 || after.2 != 1 || !writable(after.1) || !holds(WRITTEN, getpid()) {
        println!("forktest:4: child: after writing, {after:x?} (parent's {written:x?})");
        return 12;
    }
    let other = mapping(UNTOUCHED);
    if other.0 != untouched.0 || !holds(UNTOUCHED, parent) {
        println!(
            "forktest:4: child: the page it did not write is {other:x?} (parent's {untouched:x?})"
        );
        return 13;
    }
    0
}

pub fn copy_on_write(c: &mut Checks) {
    let me = getpid();
    if !filled_page(WRITTEN, me) || !filled_page(UNTOUCHED, me) {
        c.check(false, "page_alloc of two scratch pages");
        return;
    }
    let (written, untouched) = (mapping(WRITTEN), mapping(UNTOUCHED));
    c.check(
        written.2 == 1 && writable(written.1),
        "before the fork, the page is the parent's alone and writable",
    );
    let child = fork_child(ForkMode::CopyOnWrite, || cow_child(me, written, untouched));
    let Some(child) = c.forked(child) else {
        return;
    };
    c.check(
        exited_with(child, 0),
        "the child shared both pages until it wrote one; then only that one was copied, for it",
    );
    let after = mapping(WRITTEN);
    c.check(
        after.0 == written.0 && holds(WRITTEN, me) && mapping(UNTOUCHED).0 == untouched.0,
        "the parent kept its frames and contents",
    );
    // The child is gone, so the parent is the last sharer: a write needs no copy.
    // SAFETY: `WRITTEN` is the parent's scratch page; no Rust object lives there.
    unsafe { pages::fill(WRITTEN, me + 1) };
    let last = mapping(WRITTEN);
    c.check(
        last.0 == written.0 && last.2 == 1 && writable(last.1) && holds(WRITTEN, me + 1),
        "the last sharer writes in place, without a copy",
    );
}

pub fn eager_fork(c: &mut Checks) {
    let me = getpid();
    let code = eager_fork as *const () as u64;
    if !filled_page(WRITTEN, me) {
        c.check(false, "page_alloc of a scratch page");
        return;
    }
    let (page, code_frame) = (mapping(WRITTEN), mapping(code));
    let child = fork_child(ForkMode::Eager, || {
        let now = mapping(WRITTEN);
        if now.0 == page.0 || now.2 != 1 || !writable(now.1) || !holds(WRITTEN, me) {
            println!("forktest:5: child: the writable page is {now:x?} (parent's {page:x?})");
            return 20;
        }
        if mapping(code).0 != code_frame.0 {
            println!("forktest:5: child: its code was copied");
            return 21;
        }
        0
    });
    let Some(child) = c.forked(child) else {
        return;
    };
    let parent_now = mapping(WRITTEN);
    c.check(
        parent_now.0 == page.0 && writable(parent_now.1),
        "the parent keeps its frame, still writable (nothing is shared to copy later)",
    );
    c.check(
        exited_with(child, 0),
        "the child got its own copy of the writable page at once, and the parent's code frame",
    );
}
