//! fuzz: seeded, reproducible random syscalls (issue 7, "Hardening").
//!
//! `fuzz:ARG` — the low 32 bits of ARG are the seed, the high 32 bits the number of calls in
//! millions (0: one million). Half the calls are made unprivileged (the workers hold only
//! endpoints), half privileged (they also hold the frame pool, a scratch address space, a victim
//! task in it, and a capability to themselves). The run prints the seed first and a summary last
//! (calls per syscall number, results per code, a checksum of the results) and exits 0 if the
//! kernel never gave an impossible answer. The same command line replays the same calls with the
//! same results: compare the checksums.
//!
//! Design:
//! - The program is a driver; the calls are made by two worker tasks it creates in its own
//!   address space, on stacks in its image, with capability tables it fills. They share the
//!   generator state, the counters and the frame record through statics (`shared`). They never
//!   hold a capability to that address space, so nothing they map or unmap can touch the driver,
//!   their stacks or the record; their mappings go into the scratch space and spaces they create.
//! - The workers take turns (`worker`): only the holder of the turn draws and records, and the
//!   driver moves the turn only when the holder is stuck in the kernel (blocked in IPC, stopped,
//!   exited) — so results do not depend on timing, although messages, replies and capabilities
//!   really pass between the two. The driver gives the turn with a stop and a start, which ends a
//!   blocked call with `Interrupted`, and replaces a worker that is gone.
//! - Workers have no fault endpoint: a worker that faults is killed by the kernel, which prints a
//!   line, and replaced. The victim's fault endpoint is the badged endpoint, so its faults become
//!   messages the workers may receive and answer. Kills are rare: `Exit` is drawn once in 10,000
//!   calls, and `TaskWriteRegs` sends a worker only to addresses that fault (never into code).
//! - Runs are cut into epochs of `EPOCH_CALLS`. At the end of each the driver destroys the workers
//!   and the victim (their capability tables go, and with them whatever the workers created),
//!   the scratch space and the endpoints, then frees every frame the workers allocated — a worker
//!   records each before its next call — so init's census after the run is exact. A task
//!   capability is never given to a task a worker created, so no cycle of tasks holding each
//!   other can outlive the epoch; per-epoch budgets keep the kernel's tables from filling up.
#![no_std]
#![no_main]

mod driver;
mod gen;
mod oracle;
mod shared;
mod stats;
mod values;
mod worker;

use core::sync::atomic::Ordering::Relaxed;
use driver::Driver;
use shared::{CALLS, RNG};
use stats::{Summary, STATS};
use userlib::println;

userlib::entry!(main);

/// Calls per epoch.
const EPOCH_CALLS: u64 = 10_000;

fn main() -> i32 {
    let arg = userlib::rt::start_args().0;
    let seed = arg & 0xFFFF_FFFF;
    let calls = (arg >> 32).max(1) * 1_000_000;
    let unprivileged = calls / 2;
    println!(
        "fuzz: seed {seed}, {calls} calls ({unprivileged} unprivileged, then {} privileged); \
         replay with the same command line, e.g. cargo run -- --headless fuzz:{arg}",
        calls - unprivileged
    );
    RNG.store(seed, Relaxed);

    let mut total = Summary::zero();
    let mut finished = true;
    for (privileged, n) in [(false, unprivileged), (true, calls - unprivileged)] {
        finished &= run_mode(privileged, n);
        let summary = STATS.take();
        summary.print(if privileged {
            "privileged"
        } else {
            "unprivileged"
        });
        total.add(&summary);
    }
    println!(
        "fuzz: done: {} calls, checksum {:#018x}, {} anomalies{}",
        total.total_calls(),
        total.checksum,
        total.anomalies,
        if finished { "" } else { ", NOT FINISHED" }
    );
    if finished && total.anomalies == 0 {
        0
    } else {
        1
    }
}

/// Makes `calls` calls in one mode, epoch by epoch; false if the driver could not go on.
fn run_mode(privileged: bool, calls: u64) -> bool {
    CALLS.store(0, Relaxed);
    let mut driver = Driver::new(privileged);
    while CALLS.load(Relaxed) < calls {
        let end = (CALLS.load(Relaxed) + EPOCH_CALLS).min(calls);
        if let Err(e) = driver.run_epoch(end) {
            println!("fuzz: cannot set up an epoch: {e}");
            return false;
        }
    }
    true
}
