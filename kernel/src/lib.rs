//! The kernel: page tables, address-space capabilities, scheduling and IPC — nothing else.
//!
//! Everything lives in this library so the bins (`kernel`, `test_kernel`) are a few lines each and the
//! hardware-independent modules are unit-tested on the host with `cargo test -p kernel --lib`.
//!
//! The modules are layers, grouped below lowest first: a module uses only the ones below it, never
//! one above, so no two depend on each other (the host test `tests::layers` checks it file by file,
//! in its exact order). `arch` is at the bottom: its entry code calls the handlers in `entry` by
//! symbol name, as seL4's assembly calls its C handlers.
//! `unsafe` is in `arch/` (CPU, ports, traps), `mem/phys.rs` (the physical-memory window), the
//! device drivers, and where boot and `entry` meet the hardware.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// Kernel state is built by `const fn new` (it lives in statics); nothing builds it by `Default`.
#![allow(clippy::new_without_default)]

// The CPU: traps, the raw syscall entry and exit, segments, the serial port.
pub mod arch;
// Devices: the timer and interrupt controller, the console (the serial port).
pub mod console;
pub mod irq;
#[cfg(all(not(test), target_os = "none"))]
mod panic;
// Physical memory and page tables; kernel objects and capability tables (independent of each other).
pub mod mem;
pub mod obj;
// The kernel state and what it does: scheduling, reclaiming objects, IPC, faults, the IPC fast path.
pub mod fastpath;
pub mod fault;
pub mod ipc;
pub mod reclaim;
pub mod sched;
// The syscalls.
pub mod syscall;
// The glue: the entry handlers, loading init, boot.
pub mod boot;
pub mod entry;
pub mod first_server;

#[cfg(test)]
mod tests;
