//! What the server tells the name service about its processes (through its unbadged capability,
//! `slots::NAMES`): one is about to start (its pid, parent and program: the service tracks jobs
//! and reserved names by them), one has ended (its names and held lookups go, and servers asking
//! about their clients learn it). The service only receives and replies, so these calls never
//! leave the server waiting on a program.
use userlib::names::system;
use userlib::{println, slots, Endpoint};

const SERVICE: Endpoint = Endpoint(slots::NAMES);

/// Before the process runs: the service must know it before its first request.
pub fn started(pid: u64, parent: u64, program: &str) {
    if let Err(e) = system::started(SERVICE, pid, parent, program) {
        println!("memsrv: cannot tell the name service pid {pid} starts: {e:?}");
    }
}

/// Once its task is destroyed: no request of it can reach the service after this.
pub fn ended(pid: u64) {
    if let Err(e) = system::ended(SERVICE, pid) {
        println!("memsrv: cannot tell the name service pid {pid} ended: {e:?}");
    }
}
