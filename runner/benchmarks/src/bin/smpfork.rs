//! Measures fork+exit+wait with N processes forking at once (issue 20; N = 1, 2, 4; `make bench`
//! boots it with `--smp 4 --icount`): forks N workers, each of which forks, and waits for, `FORKS`
//! children; prints the guest instructions (on every CPU together) per fork, counting the N forks
//! that made the workers; the smallest of `RUNS` rounds. Every fork goes through the one memory server, so the forks take turns
//! there whatever the CPUs; a figure that stays flat with N is the goal. (Not in `smpbench`: a
//! pool holder, started by init, cannot fork.)
#![no_std]
#![no_main]

use userlib::process::{exit, fork, waitpid};
use userlib::{println, rdtsc_ordered};

userlib::entry!(main);

/// fork+exit+wait rounds per worker.
const FORKS: u64 = 12;
const MOST: usize = 4;

/// `n` workers forking at once: instructions per fork, or None if a fork or a worker failed.
fn forks(n: usize) -> Option<u64> {
    let t0 = rdtsc_ordered();
    let mut workers = [0u64; MOST];
    for worker in &mut workers[..n] {
        match fork() {
            Ok(0) => {
                for _ in 0..FORKS {
                    match fork() {
                        Ok(0) => exit(0),
                        Ok(pid) if waitpid(pid).is_ok_and(|s| s.code == 0) => {}
                        _ => exit(1),
                    }
                }
                exit(0)
            }
            Ok(pid) => *worker = pid,
            Err(e) => {
                println!("smpfork: fork failed: {e}");
                return None;
            }
        }
    }
    for &pid in &workers[..n] {
        if !waitpid(pid).is_ok_and(|s| s.code == 0) {
            println!("smpfork: a worker failed");
            return None;
        }
    }
    Some(rdtsc_ordered().wrapping_sub(t0) / (n as u64 * (FORKS + 1)))
}

/// Rounds per figure: the smallest is the figure (rounds differ in how the CPUs' turns fall).
const RUNS: usize = 3;

fn main() -> i32 {
    for (n, key) in [(1, "smp_fork_1"), (2, "smp_fork_2"), (4, "smp_fork_4")] {
        let mut best = u64::MAX;
        for _ in 0..RUNS {
            let Some(per) = forks(n) else { return 1 };
            best = best.min(per);
        }
        let per = best;
        println!("bench: {key} {per}: fork+exit+wait per fork, N = {n} processes forking at once");
    }
    0
}
