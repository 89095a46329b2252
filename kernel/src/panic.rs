//! The kernel panic handler: report where and why, then end the run with a failure status.
use crate::arch;
use abi::qemu::ExitCode;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // Print without taking the console lock: the panic may have happened while it was held.
    crate::console::emergency_print(format_args!("\nKERNEL PANIC: {}\n", info.message()));
    if let Some(loc) = info.location() {
        // `file:line:column`
        crate::console::emergency_print(format_args!("  at {loc}\n"));
    }
    arch::exit::qemu_exit(ExitCode::KernelPanic)
}
