//! What the test programs share: the shape of a numbered case and the hostile instructions
//! (`attack`, `rogue`), and the protocol of `probe` and `probetest`.
#![no_std]

pub mod hostile;
pub mod probe;
