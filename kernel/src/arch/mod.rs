//! Everything that touches the CPU directly. Most of the kernel's `unsafe` is here. The bottom
//! layer: it uses nothing else in the kernel (`arch::entry` says how its entry code reaches the
//! handlers above).
pub mod apic;
pub mod cpu;
pub mod entry;
pub mod exit;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod madt;
pub mod percpu;
pub mod serial;
pub mod smp;
pub mod trap;

/// Sets up the boot CPU: its per-CPU area (GS), segmentation, the trap table, the `syscall` MSRs
/// and CPU protection features. Call once, first.
pub fn init() -> cpu::Features {
    smp::init_cpu(0)
}
