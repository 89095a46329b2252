//! Host tests of the name service's decisions: who may ask what, the limits per endpoint and per
//! job, reserved names, held lookups, and what goes when a program ends.
mod programs;
mod service;
mod table;

use userlib::abi::names::{Name, Program};
use userlib::sys::CapInfo;
use userlib::{CapKind, Rights};

fn name(s: &str) -> Name {
    Name::try_from(s).expect("short")
}

fn program(s: &str) -> Program {
    Program::try_from(s).expect("short")
}

/// An unbadged send capability to endpoint `object`: what `register` takes.
fn endpoint(object: u64) -> CapInfo {
    CapInfo {
        kind: CapKind::Endpoint,
        rights: Rights::SEND | Rights::GRANT,
        badge: 0,
        object,
    }
}
