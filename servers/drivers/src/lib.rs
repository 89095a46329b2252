//! Input in user space: the decisions of the keyboard driver ([`scancode`]), the serial driver
//! ([`serial_keys`]) and the input server ([`terminal`], [`queue`]), apart from the kernel calls
//! that carry them out. Nothing here calls the kernel, so it runs in host tests (`cargo test -p
//! drivers --lib`); the programs (`src/bin/`) talk to the devices and to each other.
#![cfg_attr(not(test), no_std)]
#![allow(clippy::new_without_default)]

pub mod queue;
pub mod scancode;
pub mod serial_keys;
pub mod terminal;

#[cfg(test)]
mod tests;
