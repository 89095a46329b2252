//! The example servers' protocols, one module each: a protocol is shared by its server and its
//! clients (and by the tests and benchmarks that call it), so it lives in this library rather than
//! in one of the programs. `docs/writing-a-server.md` builds `counter` step by step.
#![no_std]

pub mod protocol {
    pub mod counter;
    pub mod echo;
    pub mod kv;
}
