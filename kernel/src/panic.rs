//! The kernel panic handler: report where and why, then end the run with a failure status.
use crate::arch;
use abi::qemu::ExitCode;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // Printed as the kernel prints: the console has no lock the panic could have left held.
    crate::kprintln!("\nKERNEL PANIC: {}", info.message());
    if let Some(loc) = info.location() {
        // `file:line:column`
        crate::kprintln!("  at {loc}");
    }
    arch::exit::qemu_exit(ExitCode::KernelPanic)
}
