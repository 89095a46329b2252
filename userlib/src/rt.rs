//! The program runtime: the entry point and the panic handler.
//!
//! A program declares `fn main() -> i32` and writes `userlib::entry!(main);`. The kernel starts the
//! task at `_start` (in [`crate::arch`]), which aligns the stack and calls `userlib_start_rust`,
//! which the macro defines: it runs `main` and exits with its return value.

use core::sync::atomic::{AtomicU64, Ordering};

/// Declares the program's `main` (`fn() -> i32`); the task exits with what it returns.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        extern "C" fn userlib_start_rust(arg0: u64, arg1: u64) -> ! {
            let main: fn() -> i32 = $main;
            $crate::rt::run(main, arg0, arg1)
        }
    };
}

static START_ARGS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// The values the task was started with in `rdi` and `rsi` (for init: the boot archive's address
/// and length).
pub fn start_args() -> (u64, u64) {
    (
        START_ARGS[0].load(Ordering::Relaxed),
        START_ARGS[1].load(Ordering::Relaxed),
    )
}

/// Runs `main` and exits with its status.
pub fn run(main: fn() -> i32, arg0: u64, arg1: u64) -> ! {
    START_ARGS[0].store(arg0, Ordering::Relaxed);
    START_ARGS[1].store(arg1, Ordering::Relaxed);
    let status = main();
    crate::sys::exit(status)
}

/// The exit status after a panic.
pub const PANIC_STATUS: i32 = 101;

// (Host tests of the servers' libraries, which link userlib, have std's.)
#[cfg(all(not(test), target_os = "none"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let pid = crate::sys::task_self();
    match info.location() {
        Some(at) => crate::println!(
            "panic in pid {pid}: {} at {}:{}",
            info.message(),
            at.file(),
            at.line()
        ),
        None => crate::println!("panic in pid {pid}: {}", info.message()),
    }
    crate::sys::exit(PANIC_STATUS)
}
