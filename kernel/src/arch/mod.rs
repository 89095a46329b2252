//! Everything that touches the CPU directly. Most of the kernel's `unsafe` is here. The bottom
//! layer: it uses nothing else in the kernel (`arch::entry` says how its entry code reaches the
//! handlers above).
pub mod cpu;
pub mod entry;
pub mod exit;
pub mod gdt;
pub mod idt;
pub mod percpu;
pub mod serial;
pub mod trap;

/// Sets up segmentation, the trap table, the `syscall` MSRs and CPU protection features. Call once,
/// early.
pub fn init() -> cpu::Features {
    let selectors = gdt::init();
    idt::init();
    entry::init_syscall(selectors);
    cpu::enable_protection()
}
