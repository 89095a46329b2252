//! What the test programs share: the shape of a numbered case and the hostile instructions
//! (`attack`, `rogue`), the protocols of `probe` and `probetest`, `bell` and `belltest`, and
//! waiting for another task by its state.
#![no_std]

pub mod bell;
pub mod hostile;
pub mod probe;
pub mod wait;
