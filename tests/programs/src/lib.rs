//! What the hostile programs `attack` and `rogue` share: the shape of a numbered case and the
//! hostile instructions.
#![no_std]

pub mod hostile;
