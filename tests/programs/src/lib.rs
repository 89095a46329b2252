//! What the test programs share: the shape of a numbered case and the hostile instructions
//! (`attack`, `rogue`), and the protocols of `probe` and `probetest`, `bell` and `belltest`.
#![no_std]

pub mod bell;
pub mod hostile;
pub mod probe;
