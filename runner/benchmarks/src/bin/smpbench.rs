//! Measures several CPUs (issue 20), from a pool holder (init's `POOL_HOLDERS`) that runs helper
//! tasks in its own address space, pinned with `TaskSetAffinity`; `make bench` boots it with
//! `--smp 4 --icount`. Under icount QEMU runs the CPUs in turn and the guest TSC counts the
//! instructions of all of them together, so a figure is instructions on every CPU per operation:
//! 1. an IPC round trip between two tasks of one space: both on CPU 0; the server on CPU 1 (the
//!    call and the reply each wake the other CPU by IPI); the server on any CPU (it migrates to the
//!    caller's); the cross-CPU one split into its legs, and a signal to a waiter on CPU 1 split
//!    into the sender's syscall and the waiter's wake, against a signal nobody waits for;
//! 2. N client/server pairs at once, pair i on CPU i (N = 1, 2, 4): instructions per round trip;
//!
//! (A pool holder cannot fork: init started it, not the memory server. `smpfork` measures N
//! processes forking at once.) Idle CPUs zero free frames, holding the kernel lock for each, so
//! every figure waits first until they are done (`settle`).
//!
//! Started with argument 1 (`smpbench:1`) it instead runs a CPU-bound job split over two tasks
//! and prints how long it took: the wall-clock speed-up of `--smp 2` (no icount).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::*};
use userlib::ipc::message;
use userlib::{
    println, rdtsc_ordered, slots, sys, AddressSpace, CapSlot, Endpoint, Rights, SysError, Task,
    UserRegs,
};

userlib::entry!(main);

type R<T> = Result<T, SysError>;

const SAMPLES: usize = 1000;
const WARMUP: usize = 100;
const PAIRS: usize = 4;
/// Round trips per pair in the scaling figure.
const ROUNDS: u64 = 2000;
/// Our slots: pair i's endpoint, client and server tasks; the notifications.
const fn endpoint(i: usize) -> CapSlot {
    CapSlot(8 + i as u32)
}
const fn client_task(i: usize) -> CapSlot {
    CapSlot(12 + i as u32)
}
const fn server_task(i: usize) -> CapSlot {
    CapSlot(16 + i as u32)
}
const DONE: CapSlot = CapSlot(20);
const BELL: CapSlot = CapSlot(21);
/// In a helper's table: its endpoint (or notification) and the notification it signals.
const HELPER_EP: CapSlot = CapSlot(1);
const HELPER_DONE: CapSlot = CapSlot(2);

static TIMES: [AtomicU64; WARMUP + SAMPLES] = [const { AtomicU64::new(0) }; WARMUP + SAMPLES];
static LEGS: [AtomicU64; WARMUP + SAMPLES] = [const { AtomicU64::new(0) }; WARMUP + SAMPLES];
/// When the stamping server received the latest call (or the waiter woke).
static ARRIVED: AtomicU64 = AtomicU64::new(0);
/// Set by the waiter just before it waits again.
static READY: AtomicU64 = AtomicU64::new(0);
/// The scaling clients start together when `GO` turns 1; each records its start and end.
static GO: AtomicU64 = AtomicU64::new(0);
static START: [AtomicU64; PAIRS] = [const { AtomicU64::new(0) }; PAIRS];
static END: [AtomicU64; PAIRS] = [const { AtomicU64::new(0) }; PAIRS];
static FAILED: AtomicU64 = AtomicU64::new(0);
/// Part 4's workers that have finished.
static WORKERS_DONE: AtomicU64 = AtomicU64::new(0);

const STACK_BYTES: usize = 16 * 1024;
#[repr(C, align(16))]
struct Stack([u8; STACK_BYTES]);
/// Stacks: 0..4 the servers (or the waiter), 4..8 the clients (or the workers).
static mut STACKS: [Stack; 2 * PAIRS] = [const { Stack([0; STACK_BYTES]) }; 2 * PAIRS];

fn stack_top(n: usize) -> u64 {
    core::ptr::addr_of!(STACKS) as u64 + ((n + 1) * STACK_BYTES) as u64 - 8
}

fn median(times: &[AtomicU64]) -> u64 {
    let mut sorted = [0u64; SAMPLES];
    for (t, slot) in sorted.iter_mut().zip(&times[WARMUP..]) {
        *t = slot.load(Relaxed);
    }
    sorted.sort_unstable();
    sorted[SAMPLES / 2]
}

fn report(key: &str, what: &str, ticks: u64) {
    println!("bench: {key} {ticks}: {what}");
}

/// `r`, saying which step failed if it did.
fn step<T>(r: R<T>, what: &str) -> R<T> {
    if let Err(e) = &r {
        println!("smpbench: {what}: {e}");
    }
    r
}

/// A helper in our own space in `slot`, running `job(arg)` on stack `stack`, on the CPUs in
/// `cpus`, with `cap` (if any) as its `HELPER_EP` and `DONE` as `HELPER_DONE`; started.
fn helper(
    slot: CapSlot,
    stack: usize,
    job: extern "C" fn(u64) -> !,
    arg: u64,
    cpus: u8,
    cap: Option<(CapSlot, Rights)>,
) -> R<Task> {
    let (task, _) = AddressSpace(slots::SELF_SPACE).create_task(slot)?;
    task.set_name("smpbench-helper")?;
    let regs = UserRegs {
        rip: job as usize as u64,
        rsp: stack_top(stack),
        rdi: arg,
        rflags: 0x202,
        ..UserRegs::default()
    };
    task.write_regs(&regs)?;
    sys::task_set_affinity(slot, cpus)?;
    if let Some((cap, rights)) = cap {
        task.give_cap(cap, HELPER_EP, rights)?;
    }
    task.give_cap(DONE, HELPER_DONE, Rights::SEND)?;
    task.start()?;
    Ok(task)
}

/// Destroys a helper (one that has exited is gone already) and frees its slot.
fn end(task: Task) -> R<()> {
    match task.destroy() {
        Ok(()) | Err(SysError::StaleCap) => task.delete(),
        Err(e) => Err(e),
    }
}

/// Echoes every call.
extern "C" fn echoer(_: u64) -> ! {
    let _ = Endpoint(HELPER_EP).serve(|request| request.msg);
    sys::exit(1)
}

/// Echoes every call, noting when each arrived.
extern "C" fn stamping_echoer(_: u64) -> ! {
    let _ = Endpoint(HELPER_EP).serve(|request| {
        ARRIVED.store(rdtsc_ordered(), Relaxed);
        request.msg
    });
    sys::exit(1)
}

/// Round trips to pair 0's server; with `legs`, the call's leg (until the server has it) too.
fn round_trips(legs: bool) -> R<(u64, u64)> {
    for (slot, leg) in TIMES.iter().zip(&LEGS) {
        let t0 = rdtsc_ordered();
        Endpoint(endpoint(0)).call(&message(1, &[t0]))?;
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
        if legs {
            leg.store(ARRIVED.load(Relaxed).wrapping_sub(t0), Relaxed);
        }
    }
    Ok((median(&TIMES), if legs { median(&LEGS) } else { 0 }))
}

/// Sleeps until the idle CPUs have zeroed every free frame: each zeroing step holds the kernel
/// lock, so until then a syscall here may wait for one (≈ +1,000 a syscall at 4 CPUs). Done when
/// a locked syscall (`Poll`) costs the same after a sleep as before it; at most a second.
fn settle() {
    let mut before = u64::MAX;
    for _ in 0..20 {
        let _ = sys::recv_timeout(endpoint(PAIRS - 1), 5);
        let mut costs = [0u64; 101];
        for cost in &mut costs {
            let t0 = rdtsc_ordered();
            let _ = sys::poll(DONE);
            *cost = rdtsc_ordered().wrapping_sub(t0);
        }
        costs.sort_unstable();
        if costs[50] == before {
            return;
        }
        before = costs[50];
    }
    println!("smpbench: the idle CPUs did not settle");
}

/// Part 1: one client (us, on CPU 0) and its server, placed three ways.
fn placements(online: u8) -> R<()> {
    let ep = (endpoint(0), Rights::RECEIVE);
    let one = |job, cpus, legs| -> R<(u64, u64)> {
        let server = helper(server_task(0), 0, job, 0, cpus, Some(ep))?;
        let figures = round_trips(legs);
        end(server)?;
        figures
    };
    let (same, _) = step(one(echoer, 1, false), "same CPU")?;
    let (cross, _) = step(one(echoer, 2, false), "cross-CPU")?;
    let (free, _) = step(one(echoer, online, false), "server not pinned")?;
    let (stamped, call_leg) = step(one(stamping_echoer, 2, true), "cross-CPU legs")?;
    let (stamped_same, call_leg_same) = step(one(stamping_echoer, 1, true), "same-CPU legs")?;
    report(
        "smp_ipc_same",
        "IPC round trip, two tasks of one space on CPU 0",
        same,
    );
    report(
        "smp_ipc_cross",
        "the same, the server pinned to CPU 1",
        cross,
    );
    report("smp_ipc_migrate", "the same, the server on any CPU", free);
    report(
        "smp_ipc_cross_call",
        "cross-CPU: the call's leg (to the server's user code)",
        call_leg,
    );
    report(
        "smp_ipc_cross_reply",
        "cross-CPU: the reply's leg",
        stamped - call_leg,
    );
    report(
        "smp_ipc_same_call",
        "same CPU: the call's leg",
        call_leg_same,
    );
    report(
        "smp_ipc_same_reply",
        "same CPU: the reply's leg",
        stamped_same - call_leg_same,
    );
    Ok(())
}

/// Waits on its notification, notes when it woke, tells us it is about to wait again.
extern "C" fn waiter(_: u64) -> ! {
    loop {
        READY.store(1, Release);
        if sys::wait(HELPER_EP).is_err() {
            sys::exit(1)
        }
        ARRIVED.store(rdtsc_ordered(), Release);
    }
}

/// A signal to a waiter on CPU 1: the sender's syscall, and the time until the waiter runs;
/// against a signal nobody waits for and the null syscall (what the lock costs).
fn signals() -> R<()> {
    sys::notification_create(slots::POOL, BELL)?;
    for slot in &TIMES {
        let t0 = rdtsc_ordered();
        sys::signal(BELL)?;
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
        sys::poll(BELL)?;
    }
    let nobody = median(&TIMES);
    for slot in &TIMES {
        let t0 = rdtsc_ordered();
        sys::task_self();
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
    }
    let null = median(&TIMES);
    let bell = helper(server_task(0), 0, waiter, 0, 2, Some((BELL, Rights::all())))?;
    for (slot, leg) in TIMES.iter().zip(&LEGS) {
        // Until it has blocked again: once it said so, one more `pause` runs CPU 1 into its wait.
        while READY.swap(0, Acquire) == 0 {
            core::hint::spin_loop();
        }
        core::hint::spin_loop();
        ARRIVED.store(0, Relaxed);
        let t0 = rdtsc_ordered();
        sys::signal(BELL)?;
        let sent = rdtsc_ordered();
        slot.store(sent.wrapping_sub(t0), Relaxed);
        let woke = loop {
            match ARRIVED.load(Acquire) {
                0 => core::hint::spin_loop(),
                at => break at,
            }
        };
        leg.store(woke.wrapping_sub(sent), Relaxed);
    }
    end(bell)?;
    sys::cap_delete(BELL)?;
    report("smp_null_syscall", "null syscall (TaskSelf), 4 CPUs", null);
    report("smp_signal_nobody", "Signal, nobody waiting", nobody);
    report(
        "smp_signal_remote",
        "Signal to a waiter on CPU 1 (its IPI sent)",
        median(&TIMES),
    );
    report(
        "smp_wake_remote",
        "then until the waiter runs on CPU 1",
        median(&LEGS),
    );
    Ok(())
}

/// A scaling client: at `GO`, `ROUNDS` round trips to its pair's server; then tells us.
extern "C" fn client(pair: u64) -> ! {
    while GO.load(Acquire) == 0 {
        core::hint::spin_loop();
    }
    let i = pair as usize;
    START[i].store(rdtsc_ordered(), Relaxed);
    for n in 0..ROUNDS {
        if Endpoint(HELPER_EP).call(&message(1, &[n])).is_err() {
            FAILED.store(1, Relaxed);
            break;
        }
    }
    END[i].store(rdtsc_ordered(), Release);
    let _ = sys::signal(HELPER_DONE);
    sys::exit(0)
}

/// Part 2: `n` pairs at once, pair i on CPU i; instructions per round trip.
fn pairs(n: usize) -> R<u64> {
    GO.store(0, Release);
    let mut tasks = [None; 2 * PAIRS];
    for i in 0..n {
        let cpu = 1u8 << i;
        let ep = endpoint(i);
        tasks[i] = Some(helper(
            server_task(i),
            i,
            echoer,
            0,
            cpu,
            Some((ep, Rights::RECEIVE)),
        )?);
        tasks[PAIRS + i] = Some(helper(
            client_task(i),
            PAIRS + i,
            client,
            i as u64,
            cpu,
            Some((ep, Rights::SEND)),
        )?);
    }
    GO.store(1, Release);
    // Each client signals once; signals may merge, so count the ends instead.
    while (0..n).any(|i| END[i].load(Acquire) == 0) {
        sys::wait(DONE)?;
    }
    let first = (0..n).map(|i| START[i].load(Relaxed)).min().unwrap_or(0);
    let last = (0..n).map(|i| END[i].load(Relaxed)).max().unwrap_or(0);
    for task in tasks.into_iter().flatten() {
        end(task)?;
    }
    for i in 0..n {
        START[i].store(0, Relaxed);
        END[i].store(0, Relaxed);
    }
    if FAILED.load(Relaxed) != 0 {
        return Err(SysError::PeerDied);
    }
    Ok((last - first) / (n as u64 * ROUNDS))
}

fn scaling(cpus: usize) -> R<()> {
    // Our own CPU must be free for pair 0: we wait, blocked, on CPU 0.
    for n in [1, 2, 4].into_iter().filter(|&n| n <= cpus) {
        let per = step(pairs(n), "pairs")?;
        let key = match n {
            1 => "smp_pairs_1",
            2 => "smp_pairs_2",
            _ => "smp_pairs_4",
        };
        report(
            key,
            "IPC round trip per pair, N pairs at once, pair i on CPU i",
            per,
        );
    }
    for i in 0..PAIRS {
        sys::endpoint_destroy(endpoint(i))?;
        sys::cap_delete(endpoint(i))?;
    }
    Ok(())
}

/// Part 4's job: `WORK` steps of a xorshift, split over two tasks.
const WORK: u64 = 4_000_000_000;

extern "C" fn worker(_: u64) -> ! {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..WORK / 2 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    core::hint::black_box(x);
    WORKERS_DONE.fetch_add(1, Release);
    let _ = sys::signal(HELPER_DONE);
    sys::exit(0)
}

/// Runs the job on two tasks (on CPUs 0 and 1 if there are two), waits for both.
fn parallel_job(online: u8) -> R<()> {
    let second = if online & 2 != 0 { 2 } else { 1 };
    let a = helper(client_task(0), PAIRS, worker, 0, 1, None)?;
    let b = helper(client_task(1), PAIRS + 1, worker, 1, second, None)?;
    while WORKERS_DONE.load(Acquire) < 2 {
        sys::wait(DONE)?;
    }
    end(a)?;
    end(b)
}

fn main() -> i32 {
    let Ok((online, _)) = sys::task_set_affinity(slots::SELF_TASK, 0) else {
        println!("smpbench: TaskSetAffinity failed");
        return 1;
    };
    if sys::notification_create(slots::POOL, DONE).is_err()
        || sys::task_set_affinity(slots::SELF_TASK, 1).is_err()
    {
        println!("smpbench: setting up failed");
        return 1;
    }
    if userlib::rt::start_args().0 == 1 {
        return match parallel_job(online) {
            Ok(()) => {
                println!("smpbench: the job done on {} CPUs", online.count_ones());
                0
            }
            Err(e) => {
                println!("smpbench: the job failed: {e}");
                1
            }
        };
    }
    println!("smpbench: {} CPUs", online.count_ones());
    if online.count_ones() < 2 {
        println!("smpbench: needs 2 CPUs or more (make bench boots it with --smp 4)");
        return 1;
    }
    let endpoints = (0..PAIRS).try_for_each(|i| sys::endpoint_create(slots::POOL, endpoint(i)));
    if endpoints.is_err() {
        println!("smpbench: EndpointCreate failed");
        return 1;
    }
    let cpus = online.count_ones() as usize;
    settle();
    if placements(online)
        .and_then(|()| signals())
        .and_then(|()| scaling(cpus))
        .is_err()
    {
        return 1;
    }
    0
}
