//! What `attack` and `rogue` share: the shape of a case and the hostile instructions.
pub mod asm;
pub mod case;
