//! Ending the run: tell QEMU's `isa-debug-exit` device how it went.
use abi::qemu::{ExitCode, DEBUG_EXIT_PORT};
use x86_64::instructions::port::Port;

pub fn qemu_exit(code: ExitCode) -> ! {
    if cfg!(test) {
        // Host tests: no port I/O in user mode; the test sees the code in the panic.
        panic!("qemu_exit({code:?})");
    }
    // SAFETY: writing the debug-exit port only asks QEMU to stop; no memory is involved.
    unsafe { Port::new(DEBUG_EXIT_PORT).write(code as u32) };
    // Without the device (real hardware), stop here.
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
