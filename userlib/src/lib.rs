//! The user-space library of mikros: everything a program or server needs to talk to the kernel.
//!
//! - [`sys`]: one safe function per syscall ([`abi::Sysnum`]), returning [`Result`].
//! - [`cap`]: typed capability handles ([`Endpoint`], [`FramePool`], [`AddressSpace`], [`Task`],
//!   [`System`]) and the well-known slots every program starts with.
//! - [`ipc`]: sending, calling, receiving and replying; long messages and capability transfer
//!   through the IPC buffer.
//! - [`console`]: `print!`/`println!` (kernel console via `DebugWrite`) and `cprint!`/`cprintln!`
//!   (straight into the shared console page).
//! - [`rpc`]: typed protocols (serde + postcard): [`rpc::Client`] stubs and the [`rpc::serve`]
//!   loop; [`names`]: finding servers by name; [`clients`]: per-client state that clients that
//!   ended cannot fill.
//! - [`process`]: WeensyOS's process and memory calls (`page_alloc`, `sbrk`, `fork`, `wait`,
//!   `getpid`, ...), served by the memory server.
//! - [`heap`]: an opt-in global allocator (`sbrk_heap!()` or `arena_heap!(BYTES)`) so programs can
//!   use `alloc`.
//! - [`load`]: loading an ELF program into another address space (for servers that start programs).
//! - [`rng`]: a small seeded random-number generator (WeensyOS's programs and the fuzzer).
//! - [`rt`]: the entry point (`userlib::entry!(main)`) and the panic handler.
//!
//! All `unsafe` code lives in [`arch`] (the `syscall` instruction, `rdtsc`, and volatile access to the
//! IPC buffer and console pages), [`load`] (the scratch window a loader fills frames through) and
//! [`heap`] (handing memory to the allocator); the rest is safe Rust.
//!
//! The examples in these docs are marked `ignore`: they make syscalls, and userlib brings its own
//! panic handler, so they build only into programs for `x86_64-unknown-none`, not as host doctests.
//! `docs/writing-a-server.md` and `servers/examples/` have complete programs.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod arch;
pub mod cap;
pub mod clients;
pub mod console;
pub mod heap;
pub mod input;
pub mod ipc;
pub mod load;
pub mod names;
pub mod process;
pub mod rng;
pub mod rpc;
pub mod rt;
pub mod sys;

pub use abi;
pub use abi::cap::{init_slots, slots};
pub use abi::layout;
pub use abi::qemu::ExitCode;
pub use abi::regs::UserRegs;
pub use abi::HZ;
pub use abi::{CapKind, CapSlot, Message, MsgTag, PageRights, Rights, SysError, Sysnum};
pub use arch::{rdtsc, rdtsc_ordered};
pub use cap::{AddressSpace, Endpoint, FramePool, IoPorts, IrqHandler, Notification, System, Task};
pub use ipc::Received;
pub use sys::{CapInfo, Census};

/// The result of a syscall.
pub type Result<T> = core::result::Result<T, SysError>;
