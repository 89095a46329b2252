//! smptest: what several CPUs must not break (issue 20). It pins itself to CPU 0 and runs helper
//! tasks, in its own address space, on CPU 1 (and 2):
//! 1. **Stale TLB entries**: a helper keeps reading a page while this task breaks its
//!    copy-on-write (`AsCopy`: a fresh frame at the same address) and writes a new value there.
//!    Once the call has returned, the helper must see the new value: its CPU flushed the old
//!    translation before the call returned. Without a shootdown it reads the old frame.
//! 2. **A task running elsewhere, stopped, read, restarted, moved and destroyed**: a helper
//!    counts in a loop without syscalls; once stopped its count must not move, and so on.
//! 3. **Parallel syscalls**: this task and a helper allocate and free frames at the same time.
//! 4. **A task's segment selectors follow it across CPUs**: the helpers load GS and check it on
//!    every turn, while they are stopped and moved (2), or block and wake on another CPU each
//!    time (the CPU they left idles: it must keep their selectors before they run elsewhere).
//!
//! Prints `smptest: N CPUs` first and `smptest: ok` last; exits 1 at the first broken promise.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::*};
use test_programs::hostile::asm::{load_gs, segments};
use userlib::{println, rdtsc, slots, sys, CapSlot, FramePool, Notification, PageRights, Rights};
use userlib::{Task, UserRegs};

userlib::entry!(main);

/// The page the TLB test remaps, away from everything else in this space.
const PAGE: u64 = 0x10_0000_0000;
const ROUNDS: u64 = 300;
const HELPER: CapSlot = slots::FIRST_FREE;
/// The notification the selector helper waits on (its slot 1).
const NOTE: CapSlot = CapSlot(slots::FIRST_FREE.0 + 1);
/// What the helpers load into GS (the null selector with RPL 3; 0 is what a task starts with).
const SELECTOR: u16 = 3;
const STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);
static mut STACK: Stack = Stack([0; STACK_SIZE]);

/// The round this task has finished (the helper checks the page then), and the helper's answer.
static ROUND: AtomicU64 = AtomicU64::new(0);
static SEEN: AtomicU64 = AtomicU64::new(0);
/// Rounds in which the helper read an old value.
static STALE: AtomicU64 = AtomicU64::new(0);
/// The counting helper's count, and the parallel helper's calls done (or failed: `u64::MAX`).
static COUNT: AtomicU64 = AtomicU64::new(0);
/// Set by a helper that found another GS than the one it loaded.
static LOST_SELECTOR: AtomicU64 = AtomicU64::new(0);

macro_rules! check {
    ($cond:expr, $($why:tt)*) => {
        if !$cond {
            println!("smptest: FAILED: {}", format_args!($($why)*));
            return 1;
        }
    };
}

fn main() -> i32 {
    let Ok((online, _)) = sys::task_set_affinity(slots::SELF_TASK, 0) else {
        println!("smptest: FAILED: TaskSetAffinity");
        return 1;
    };
    let cpus = online.count_ones();
    println!("smptest: {cpus} CPUs");
    check!(cpus >= 2, "needs two CPUs or more (--smp 2)");
    check!(
        sys::task_set_affinity(slots::SELF_TASK, 1).is_ok(),
        "pinning to CPU 0"
    );
    match stale_tlb()
        .and_then(|()| stall(cpus))
        .and_then(|()| selectors(cpus))
        .and_then(|()| parallel())
    {
        Ok(()) => {
            println!("smptest: ok");
            0
        }
        Err(why) => {
            println!("smptest: FAILED: {why}");
            1
        }
    }
}

type Check = Result<(), &'static str>;

fn ensure(cond: bool, why: &'static str) -> Check {
    if cond {
        Ok(())
    } else {
        Err(why)
    }
}

/// Creates the helper in this address space, running `entry` on CPU `cpu`, started; it gets the
/// frame pool in its slot 0, and `NOTE` in slot 1 if there is one.
fn helper(entry: extern "C" fn() -> !, cpu: u8) -> Check {
    sys::task_create(slots::SELF_SPACE, HELPER).map_err(|_| "TaskCreate")?;
    let regs = UserRegs {
        rip: entry as *const () as u64,
        rsp: (&raw mut STACK) as u64 + STACK_SIZE as u64 - 8,
        rflags: 0x202,
        ..UserRegs::default()
    };
    Task(HELPER)
        .write_regs(&regs)
        .map_err(|_| "TaskWriteRegs")?;
    sys::task_set_affinity(HELPER, 1 << cpu).map_err(|_| "TaskSetAffinity")?;
    sys::task_give_cap(HELPER, slots::POOL, CapSlot(0), Rights::all()).map_err(|_| "give")?;
    if sys::cap_info(NOTE).is_ok() {
        sys::task_give_cap(HELPER, NOTE, CapSlot(1), Rights::all()).map_err(|_| "give")?;
    }
    sys::task_start(HELPER).map_err(|_| "TaskStart")
}

/// Destroys the helper and frees its slot.
fn end_helper() -> Check {
    sys::task_destroy(HELPER).map_err(|_| "TaskDestroy")?;
    sys::cap_delete(HELPER).map_err(|_| "CapDelete")
}

fn page() -> *mut u64 {
    PAGE as *mut u64
}

extern "C" fn reader() -> ! {
    let mut answered = 0;
    loop {
        // SAFETY: the page stays mapped while the helper runs (only its frame changes).
        let value = unsafe { page().read_volatile() };
        let round = ROUND.load(Acquire);
        if round != answered {
            // The round's call has returned: the page must show its value now.
            // SAFETY: as above.
            let now = unsafe { page().read_volatile() };
            if now != round {
                STALE.fetch_add(1, Relaxed);
            }
            answered = round;
            SEEN.store(round, Release);
        }
        core::hint::black_box(value);
        core::hint::spin_loop();
    }
}

fn stale_tlb() -> Check {
    let rw = PageRights::WRITE;
    sys::as_alloc(slots::SELF_SPACE, slots::POOL, PAGE, rw).map_err(|_| "AsAlloc")?;
    helper(reader, 1)?;
    for round in 1..=ROUNDS {
        // A fresh frame at the page (the old one's value copied), then the round's value in it.
        sys::as_copy(slots::SELF_SPACE, slots::POOL, PAGE, rw).map_err(|_| "AsCopy")?;
        // SAFETY: mapped writable just above.
        unsafe { page().write_volatile(round) };
        ROUND.store(round, Release);
        while SEEN.load(Acquire) != round {
            core::hint::spin_loop();
        }
    }
    end_helper()?;
    let frame = sys::as_unmap(slots::SELF_SPACE, PAGE).map_err(|_| "AsUnmap")?;
    sys::frame_free(slots::POOL, frame).map_err(|_| "FrameFree")?;
    let stale = STALE.load(Relaxed);
    println!("smptest: stale TLB: {stale} stale reads in {ROUNDS} copy-on-write breaks");
    ensure(
        stale == 0,
        "another CPU kept a translation the kernel had changed",
    )
}

/// Whether GS still holds what the helper loaded.
fn check_selector() {
    if segments()[3] != SELECTOR {
        LOST_SELECTOR.store(1, Relaxed);
    }
}

extern "C" fn counter() -> ! {
    loop {
        COUNT.fetch_add(1, Relaxed);
    }
}

/// The counter, with its own GS.
extern "C" fn spinner() -> ! {
    load_gs(SELECTOR);
    loop {
        check_selector();
        COUNT.fetch_add(1, Relaxed);
    }
}

/// Waits until the count moves past `from` (the counter runs); false if it does not within about
/// two seconds (of the guest's TSC: virtual time under `--icount`).
fn moves(from: u64) -> bool {
    waits(2_000_000_000, || COUNT.load(Relaxed) > from)
}

/// Whether the count stays put for about 2 ms (the counter runs nowhere).
fn still() -> bool {
    let at = COUNT.load(Relaxed);
    !waits(2_000_000, || COUNT.load(Relaxed) != at)
}

/// Spins (with `pause`: under `--icount` QEMU then runs another CPU) until `done` or until
/// `ticks` of the TSC have passed; returns whether `done` came true.
fn waits(ticks: u64, mut done: impl FnMut() -> bool) -> bool {
    let start = rdtsc();
    while rdtsc().wrapping_sub(start) < ticks {
        if done() {
            return true;
        }
        core::hint::spin_loop();
    }
    done()
}

fn stall(cpus: u32) -> Check {
    helper(counter, 1)?;
    if !moves(0) {
        let info = sys::task_caps(HELPER, 0);
        println!("smptest: the counter: {info:?}");
        return Err("the counter never ran");
    }
    for _ in 0..100 {
        sys::task_stop(HELPER).map_err(|_| "TaskStop")?;
        ensure(still(), "a stopped task ran on")?;
        let rip = Task(HELPER).read_regs().map_err(|_| "TaskReadRegs")?.rip;
        let code = counter as *const () as u64;
        ensure(
            (code..code + 64).contains(&rip),
            "the stopped task's registers are not its own",
        )?;
        sys::task_start(HELPER).map_err(|_| "TaskStart")?;
        ensure(moves(COUNT.load(Relaxed)), "a restarted task did not run")?;
    }
    let target = if cpus > 2 { 2 } else { 0 };
    sys::task_set_affinity(HELPER, 1 << target).map_err(|_| "moving")?;
    ensure(moves(COUNT.load(Relaxed)), "a moved task did not run")?;
    let on = sys::task_caps(HELPER, 0).map_err(|_| "TaskCaps")?.cpu;
    ensure(
        on == target as u64,
        "TaskCaps names another CPU than the task's",
    )?;
    // Both on CPU 1, neither making a syscall: only that CPU's timer lets the other run.
    sys::task_set_affinity(HELPER, 0b10).map_err(|_| "moving")?;
    sys::task_set_affinity(slots::SELF_TASK, 0b10).map_err(|_| "moving myself")?;
    let shared = moves(COUNT.load(Relaxed));
    sys::task_set_affinity(slots::SELF_TASK, 1).map_err(|_| "moving myself back")?;
    ensure(
        shared,
        "two tasks on one CPU: the other never ran (no preemption)",
    )?;
    end_helper()?;
    ensure(still(), "a destroyed task ran on")?;
    println!(
        "smptest: a task running elsewhere stopped, restarted, moved and destroyed 100 times; \
         two tasks shared CPU 1"
    );
    Ok(())
}

/// Counts a turn, then waits for the notification in its slot 1.
extern "C" fn waiter() -> ! {
    load_gs(SELECTOR);
    loop {
        check_selector();
        COUNT.fetch_add(1, Release);
        let _ = Notification(CapSlot(1)).wait();
    }
}

/// The spinner is stopped on one CPU (taken off it there) and restarted on the next, 30 times;
/// then the waiter blocks on one CPU (which then idles) and is woken on the next, 60 times; over
/// every CPU (this task's CPU 0 too).
fn selectors(cpus: u32) -> Check {
    COUNT.store(0, Release);
    helper(spinner, 1)?;
    for turn in 1..=30u32 {
        ensure(moves(COUNT.load(Relaxed)), "the spinner did not run")?;
        sys::task_stop(HELPER).map_err(|_| "TaskStop")?;
        sys::task_set_affinity(HELPER, 1 << ((turn + 1) % cpus)).map_err(|_| "moving")?;
        sys::task_start(HELPER).map_err(|_| "TaskStart")?;
    }
    ensure(moves(COUNT.load(Relaxed)), "the spinner did not run")?;
    end_helper()?;
    ensure(
        LOST_SELECTOR.load(Relaxed) == 0,
        "a task stopped and moved lost its GS",
    )?;
    COUNT.store(0, Release);
    let note = FramePool(slots::POOL)
        .create_notification(NOTE)
        .map_err(|_| "NotificationCreate")?;
    helper(waiter, 1)?;
    for turn in 1..=60 {
        let blocked = waits(2_000_000_000, || {
            let state = sys::task_activity(HELPER);
            COUNT.load(Acquire) == turn && state == Ok(userlib::abi::inspect::Activity::Waiting)
        });
        ensure(blocked, "the waiter did not run and wait")?;
        let next = (turn as u32 + 1) % cpus;
        sys::task_set_affinity(HELPER, 1 << next).map_err(|_| "moving")?;
        note.signal().map_err(|_| "Signal")?;
    }
    ensure(moves(60), "the waiter did not wake")?;
    end_helper()?;
    let _ = note.destroy();
    let _ = note.delete();
    ensure(
        LOST_SELECTOR.load(Relaxed) == 0,
        "a task woken on another CPU lost its GS",
    )?;
    println!("smptest: a task's GS kept over 30 stops and 60 wake-ups, each on another CPU");
    Ok(())
}

const CALLS: u64 = 5_000;

extern "C" fn allocator() -> ! {
    for _ in 0..CALLS {
        let ok = sys::frame_alloc(CapSlot(0)).and_then(|f| sys::frame_free(CapSlot(0), f));
        if ok.is_err() {
            COUNT.store(u64::MAX, Release);
            break;
        }
        COUNT.fetch_add(1, Release);
    }
    loop {
        core::hint::spin_loop();
    }
}

fn parallel() -> Check {
    COUNT.store(0, Release);
    helper(allocator, 1)?;
    for _ in 0..CALLS {
        let frame = sys::frame_alloc(slots::POOL).map_err(|_| "FrameAlloc")?;
        sys::frame_free(slots::POOL, frame).map_err(|_| "FrameFree")?;
    }
    while !matches!(COUNT.load(Acquire), CALLS | u64::MAX) {
        core::hint::spin_loop();
    }
    ensure(
        COUNT.load(Acquire) == CALLS,
        "a call failed on the other CPU",
    )?;
    sys::task_destroy(HELPER).map_err(|_| "TaskDestroy")?;
    println!("smptest: {CALLS} frame allocations on each of two CPUs at once");
    Ok(())
}
