//! The runner: builds the boot image (kernel + boot archive of user programs) and runs it in QEMU.
//!
//! Used by `cargo run` (see `main.rs`) and by the system tests in `tests/`, which call [`run`] and
//! assert on the [`Outcome`].
pub mod bench;
pub mod catalog;
mod checkout;
mod error;
mod gdb;
mod image;
mod options;
mod programs;
mod qemu;
mod screenshot;
mod strip;
mod typing;

pub use abi::cmdline::ViewerMode;
pub use error::Error;
pub use image::{binaries, build_image, debuggable_dir, Binaries, BootImage};
pub use options::{parse_args, usage_error, Build, Debugger, KernelImage, Options, ParsedArgs};
pub use programs::check_words;
pub use qemu::{gdb_console_log, run, Outcome, Verdict};
pub use typing::Device;
