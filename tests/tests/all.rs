//! Every system-test suite in one test binary: `cargo test -p system-tests` runs this one, so the
//! suites' boots share the cores (libtest runs as many at once as there are cores) instead of
//! waiting for each other. Each file also builds alone: `cargo test -p system-tests --test NAME`.
#[path = "adversarial.rs"]
mod adversarial;
#[path = "boot.rs"]
mod boot;
#[path = "devices.rs"]
mod devices;
#[path = "fuzz.rs"]
mod fuzz;
#[path = "gdb.rs"]
mod gdb;
#[path = "input.rs"]
mod input;
#[path = "kernel_core.rs"]
mod kernel_core;
#[path = "memory.rs"]
mod memory;
#[path = "notifications.rs"]
mod notifications;
#[path = "servers.rs"]
mod servers;
#[path = "shell.rs"]
mod shell;
#[path = "smp.rs"]
mod smp;
#[path = "viewer.rs"]
mod viewer;
