//! The kernel: page tables, address-space capabilities, scheduling and IPC — nothing else.
//!
//! Everything lives in this library so the bins (`kernel`, `test_kernel`) are a few lines each and the
//! hardware-independent modules are unit-tested on the host with `cargo test -p kernel --lib`.
//! `unsafe` is confined to `arch/` (CPU, ports, traps) and `mem/phys.rs` (the physical-memory window).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// Kernel state is built by `const fn new` (it lives in statics); nothing builds it by `Default`.
#![allow(clippy::new_without_default)]

pub mod arch;
pub mod boot;
pub mod console;
pub mod entry;
pub mod fastpath;
pub mod fault;
pub mod first_server;
pub mod framebuffer;
pub mod ipc;
pub mod irq;
pub mod mem;
pub mod obj;
pub mod reclaim;
pub mod sched;
pub mod syscall;

#[cfg(test)]
mod tests;

#[cfg(all(not(test), target_os = "none"))]
mod panic;
