//! Cases 1-3: what fork returns, private writes, shared read-only pages.
use crate::checks::{exited_with, filled_page, fork_child, holds, Checks, SCRATCH};
use alloc::boxed::Box;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use userlib::abi::memsrv::ForkMode;
use userlib::println;
use userlib::process::{self, getpid, yield_now};

pub fn fork_returns(c: &mut Checks) {
    let parent = getpid();
    match process::fork() {
        // The child reports its own pid as its status, so the parent can compare.
        Ok(0) => process::exit(getpid() as i32),
        Ok(child) => {
            c.check(
                child != 0 && child != parent,
                "fork gives the parent a new pid",
            );
            c.check(
                exited_with(child, child as i64),
                "the child got 0 from fork and that pid from getpid",
            );
            c.check(getpid() == parent, "the parent keeps its pid");
        }
        Err(e) => c.check(false, &alloc::format!("fork failed: {e}")),
    }
}

/// Initialised data (in .data) and zero-initialised data (in .bss).
static DATA: AtomicU64 = AtomicU64::new(10);
static BSS: AtomicU64 = AtomicU64::new(0);

/// What a process wrote everywhere: data, bss, a stack array, a scratch page, a heap block.
struct Values {
    data: u64,
    bss: u64,
    stack: u64,
    page_owner: u64,
    heap: u64,
}

const PAGE: u64 = SCRATCH;

fn write_all(v: &Values, stack: &mut [u64; 512], heap: &mut [u64]) {
    DATA.store(v.data, Relaxed);
    BSS.store(v.bss, Relaxed);
    stack.fill(v.stack);
    heap.fill(v.heap);
    // SAFETY: `PAGE` was mapped writable by `page_alloc` (before the fork) and no Rust object
    // lives there.
    unsafe { weensyos::pages::fill(PAGE, v.page_owner) };
    black_box((stack, heap));
}

fn holds_all(v: &Values, stack: &[u64; 512], heap: &[u64]) -> bool {
    let (stack, heap) = black_box((stack, heap));
    DATA.load(Relaxed) == v.data
        && BSS.load(Relaxed) == v.bss
        && stack.iter().all(|&x| x == v.stack)
        && heap.iter().all(|&x| x == v.heap)
        && holds(PAGE, v.page_owner)
}

pub fn writes_are_private(c: &mut Checks) {
    let me = getpid();
    let before = Values {
        data: 11,
        bss: 21,
        stack: 31,
        page_owner: me,
        heap: 41,
    };
    let mut stack = [0u64; 512];
    let mut heap = alloc::vec![0u64; 4096].into_boxed_slice();
    if !filled_page(PAGE, me) {
        c.check(false, "page_alloc of a scratch page");
        return;
    }
    write_all(&before, &mut stack, &mut heap);
    let in_child = Values {
        data: 12,
        bss: 22,
        stack: 32,
        page_owner: me + 1000,
        heap: 42,
    };
    let in_parent = Values {
        data: 13,
        bss: 23,
        stack: 33,
        page_owner: me + 2000,
        heap: 43,
    };
    let child = fork_child(ForkMode::CopyOnWrite, || {
        if !holds_all(&before, &stack, &heap) {
            println!("forktest:2: the child does not see what the parent wrote before the fork");
            return 1;
        }
        write_all(&in_child, &mut stack, &mut heap);
        // Give the parent time to write its own values meanwhile.
        for _ in 0..50 {
            yield_now();
        }
        if !holds_all(&in_child, &stack, &heap) {
            println!("forktest:2: the child sees what the parent wrote after the fork");
            return 2;
        }
        0
    });
    let Some(child) = c.forked(child) else {
        return;
    };
    write_all(&in_parent, &mut stack, &mut heap);
    c.check(
        exited_with(child, 0),
        "the child saw the parent's writes before the fork and only its own after",
    );
    c.check(
        holds_all(&in_parent, &stack, &heap),
        "the parent sees only its own writes (data, bss, stack, page, heap)",
    );
    drop(Box::new(0)); // the heap still works after the fork
}

/// A constant in read-only data.
static MESSAGE: &str = "read-only data shared by parent and child";

pub fn read_only_pages_are_shared(c: &mut Checks) {
    let code = read_only_pages_are_shared as *const () as u64;
    let rodata = MESSAGE.as_ptr() as u64;
    let (Ok(code_before), Ok(rodata_before)) = (process::frame_of(code), process::frame_of(rodata))
    else {
        c.check(false, "frame_of of the code and of a constant");
        return;
    };
    c.check(
        !crate::checks::writable(code_before.1) && !crate::checks::writable(rodata_before.1),
        "code and constants are mapped read-only",
    );
    for mode in [ForkMode::CopyOnWrite, ForkMode::Eager] {
        let child = fork_child(mode, || {
            let (Ok(code_now), Ok(rodata_now)) =
                (process::frame_of(code), process::frame_of(rodata))
            else {
                return 1;
            };
            let shared =
                |before: (u64, u64, u64), now: (u64, u64, u64)| now.0 == before.0 && now.2 >= 2;
            if shared(code_before, code_now) && shared(rodata_before, rodata_now) {
                0
            } else {
                println!(
                    "forktest:3: child: code {code_now:x?} (parent {code_before:x?}), constants {rodata_now:x?} (parent {rodata_before:x?})"
                );
                2
            }
        });
        let held = child.is_ok_and(|pid| exited_with(pid, 0));
        let what = match mode {
            ForkMode::CopyOnWrite => {
                "copy-on-write fork: code and constants are the parent's frames"
            }
            ForkMode::Eager => "eager fork: code and constants are the parent's frames",
        };
        c.check(held, what);
    }
}
