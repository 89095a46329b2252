//! fork (WeensyOS's p-fork): forks twice, checking what fork returns, so four processes run the
//! allocator loop, each at its own rate (from its pid). They share their code and start with the
//! same data; each fills its own copy of the same virtual addresses.
#![no_std]
#![no_main]

use userlib::println;
use userlib::process::{fork, getpid};
use weensyos::alloc_loop;

userlib::entry!(main);

fn main() -> i32 {
    let first = getpid();
    let mut forks = [0; 2];
    for slot in &mut forks {
        match fork() {
            Ok(child) => *slot = child,
            Err(e) => {
                println!("fork: pid {}: fork failed: {e}", getpid());
                return 1;
            }
        }
    }
    let me = getpid();
    // The original gets two child pids; a child gets 0 from the fork that made it (and a pid from
    // the second fork if it made another). Nobody is given its own pid or the original's.
    let wrong_pid = forks.iter().any(|&pid| pid == me || pid == first);
    let is_original = me == first;
    if wrong_pid || forks.contains(&0) == is_original {
        println!("fork: pid {me}: VIOLATION: fork returned {forks:?} (original pid {first})");
        return 1;
    }
    println!("fork: pid {me} runs the allocator loop");
    // Rates 1..=4 for consecutive pids, as WeensyOS's four processes with pids 1..4.
    alloc_loop::run("fork", me % 4 + 1)
}
