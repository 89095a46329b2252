//! The runner: builds the boot image (kernel + boot archive of user programs) and runs it in QEMU.
//!
//! Used by `cargo run` (see `main.rs`) and by the system tests in `tests/`, which call [`run`] and
//! assert on the [`Outcome`].
pub mod bench;
pub mod catalog;
mod checkout;
mod gdb;
mod image;
mod options;
mod qemu;
mod screenshot;

pub use abi::cmdline::ViewerMode;
pub use image::{binaries, build_image, debuggable_dir, Binaries, BootImage};
pub use options::{parse_args, Build, Debugger, KernelImage, Options, ParsedArgs, USAGE};
pub use qemu::{gdb_console_log, run, Outcome, Verdict};
