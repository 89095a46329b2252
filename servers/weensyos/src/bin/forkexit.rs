//! forkexit: WeensyOS's p-forkexit, ported line for line. Processes fork at random; of a parent
//! and its new child, one goes on to allocate heap pages (forking along the way) and the other
//! keeps forking, or the parent exits. Allocating processes exit at random, or when memory runs
//! out. Nobody ever waits for a child, and it runs forever.
//!
//! It is the test of the memory server's limits: a parent that never waits leaves zombies, so
//! it runs only because each parent keeps a bounded number (`docs/memory-server.md`, zombie
//! policy), its job bounds its processes and memory, and init waits for the whole job rather than
//! for the first process (which exits early, leaving its descendants to init).
//!
//! What differs from the C, and why: `rand` is WeensyOS's own (`weensyos::rand`); the heap starts at
//! the first page above the program break (the C's `end`); the stack bottom is read from a local's
//! address (the C reads `rsp`). The only addition is a line for every hundredth process created,
//! so a run shows that forks continue; it changes nothing the program does.
#![no_std]
#![no_main]

use userlib::arch::{console_read, console_write};
use userlib::layout::CONSOLE_COLUMNS as COLS;
use userlib::layout::PAGE_SIZE;
use userlib::println;
use userlib::process::{self, yield_now};
use weensyos::alloc_loop::heap_start;
use weensyos::rand::rand_in as rand;

/// WeensyOS's `ALLOC_SLOWDOWN` for this program.
const ALLOC_SLOWDOWN: i64 = 18;

userlib::entry!(main);

/// The console cell at row `r`, column `c` (WeensyOS's `CPOS`).
const fn cpos(r: usize, c: usize) -> usize {
    r * COLS + c
}

/// `sys_fork()`: the child's pid in the parent, 0 in the child, -1 if refused.
fn sys_fork() -> i64 {
    match process::fork() {
        Ok(pid) => {
            if pid > 0 && pid.is_multiple_of(100) {
                println!("forkexit: process {pid} forked");
            }
            pid as i64
        }
        Err(_) => -1,
    }
}

fn sys_exit() -> ! {
    process::exit(0)
}

/// `sys_page_alloc(addr)`: 0, or -1 if refused.
fn sys_page_alloc(addr: u64) -> i64 {
    match process::page_alloc(addr) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

fn main() -> i32 {
    loop {
        let x = rand(0, ALLOC_SLOWDOWN);
        if x == 0 {
            // fork, then either exit or start allocating
            let p = sys_fork();
            let choice = rand(0, 2);
            if choice == 0 && p > 0 {
                sys_exit();
            } else if if choice != 2 { p > 0 } else { p == 0 } {
                break;
            }
        } else {
            yield_now();
        }
    }

    let mut speed = rand(1, 16);

    let Some(data_top) = heap_start() else {
        println!("forkexit: cannot find the program break");
        return 1;
    };
    let mut heap_top = data_top;
    let here = 0u8;
    let stack_bottom = (core::hint::black_box(&here) as *const u8 as u64 - 1) & !(PAGE_SIZE - 1);
    let mut nalloc: i64 = 0;

    // Allocate heap pages until out of address space,
    // forking along the way.
    while heap_top != stack_bottom {
        if rand(0, 6 * ALLOC_SLOWDOWN) >= 8 * speed {
            yield_now();
            continue;
        }

        let x = rand(0, 7 + (nalloc / 4).min(10));
        if x < 2 {
            if sys_fork() == 0 {
                speed = rand(1, 16);
            }
        } else if x < 3 {
            sys_exit();
        } else if sys_page_alloc(heap_top) >= 0 {
            // SAFETY: `page_alloc` just mapped a writable page at `heap_top`, above the program
            // break, where no Rust object lives.
            unsafe { (heap_top as *mut u8).write_volatile(speed as u8) };
            console_write(cpos(24, 79), speed as u16);
            heap_top += PAGE_SIZE;
            if console_read(cpos(24, 0)) != 0 {
                // clear "Out of physical memory" msg (WeensyOS's "\n" in color 0: spaces to
                // the end of the row)
                for c in 0..COLS {
                    console_write(cpos(24, c), u16::from(b' '));
                }
            }
            nalloc = ((heap_top - data_top) / PAGE_SIZE) as i64;
        } else if nalloc < 4 {
            sys_exit();
        } else {
            nalloc -= 4;
        }
    }

    // After running out of memory
    loop {
        if rand(0, 2 * ALLOC_SLOWDOWN - 1) == 0 {
            sys_exit();
        } else {
            yield_now();
        }
    }
}
