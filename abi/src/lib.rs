//! The one definition of the contract between the kernel and user space.
//!
//! Syscall numbers, error codes, capability kinds and rights, message layout, the user address-space
//! layout, the boot archive format and the executable format. The kernel and `userlib` both build
//! against this crate, so they cannot disagree. This crate contains no `unsafe`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "alloc"))]
extern crate alloc;

#[macro_use]
mod numbered;

pub mod bootfs;
pub mod cap;
pub mod cmdline;
pub mod device;
pub mod elf;
pub mod error;
pub mod frames;
pub mod input;
pub mod inspect;
pub mod layout;
pub mod memsrv;
pub mod msg;
pub mod names;
pub mod qemu;
pub mod registry;
pub mod regs;
pub mod space;
pub mod sysnum;
pub mod task;
pub mod wire;

pub use cap::{init_slots, slots, CapKind, CapSlot, PageRights, Rights};
pub use error::{ensure, SysError};
pub use msg::{Message, MsgTag};
pub use sysnum::Sysnum;
pub use task::{split_task_id, task_id};

/// Timer ticks per second (WeensyOS's `HZ`): the unit of receive timeouts.
pub const HZ: u64 = 100;
