//! Which CPU this is, and reaching the others: the interface the layers above use. (Bring-up,
//! per-CPU segments and stacks, and the local APIC stand behind it.)
//!
//! Until the application processors are started, only the boot CPU runs: index 0 of 1.

/// The most CPUs the kernel runs on (the kernel's per-CPU arrays are this long).
pub const MAX_CPUS: usize = 8;

/// The interrupt vector of the kernel's inter-processor interrupt (reschedule, TLB shootdown).
pub const IPI_VECTOR: u8 = 0xF0;

/// This CPU's index: 0 for the boot CPU, then 1, 2... in the order they started.
#[inline(always)]
pub fn index() -> usize {
    0
}

/// How many CPUs run.
pub fn count() -> usize {
    1
}

/// Sends the kernel's IPI ([`IPI_VECTOR`]) to CPU `cpu` (never this one).
pub fn send_ipi(cpu: usize) {
    let _ = cpu;
}
