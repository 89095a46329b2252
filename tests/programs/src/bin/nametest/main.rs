//! nametest: the name service's promises, checked one by one — names are checked, taken once and
//! freed by their owner only; a lookup of a missing name fails at once or after waiting; a lookup
//! waits for a server that registers later; a server's name dies with it, and its clients' calls
//! then fail with `StaleCap`; limits are per endpoint and per job, not per process, so forked
//! children get a program no more; a lookup only sent is never held; what an ended program held
//! (names, waiting lookups) goes at once; a trusted server's name is reserved for it. Exits 0
//! only if all held.
#![no_std]
#![no_main]

mod basics;
mod ended;
mod limits;
mod waits;

use userlib::abi::names::NameError;
use userlib::names::Error;
use userlib::rpc::CallError;
use userlib::{println, process, slots, sys};

userlib::entry!(main);

/// The checks failed (each printed why).
pub struct Failed;

pub type Checked = Result<(), Failed>;

/// `got` must be the service's error `want`.
pub fn refused<T: core::fmt::Debug>(got: Result<T, Error>, want: NameError) -> Checked {
    match got {
        Err(CallError::Server(e)) if e == want => Ok(()),
        other => {
            println!("nametest: expected {want:?}, got {other:?}");
            Err(Failed)
        }
    }
}

/// `got` must succeed.
pub fn works<T>(got: Result<T, Error>, what: &str) -> Result<T, Failed> {
    got.map_err(|e| println!("nametest: {what} failed: {e:?}"))
        .map_err(|()| Failed)
}

/// `ok` must hold.
pub fn expect(ok: bool, what: &str) -> Checked {
    if !ok {
        println!("nametest: {what}");
        return Err(Failed);
    }
    Ok(())
}

/// Runs `child` in a forked child, which exits with its result (0: held); returns its pid.
pub fn fork_child(child: impl FnOnce() -> Checked) -> Result<u64, Failed> {
    match process::fork() {
        Ok(0) => process::exit(child().map_or(1, |()| 0)),
        Ok(pid) => Ok(pid),
        Err(e) => {
            println!("nametest: fork failed: {e:?}");
            Err(Failed)
        }
    }
}

/// Waits for child `pid`; its exit status.
pub fn status_of(pid: u64) -> Result<i64, Failed> {
    match process::waitpid(pid) {
        Ok(status) => Ok(status.code),
        Err(e) => {
            println!("nametest: waitpid {pid} failed: {e:?}");
            Err(Failed)
        }
    }
}

/// Sleeps about `ticks` timer ticks (nothing is ever sent to our own endpoint here).
pub fn sleep(ticks: u64) {
    let _ = sys::recv_timeout(slots::OWN, ticks);
}

fn run() -> Checked {
    basics::run()?;
    limits::run()?;
    waits::run()?;
    ended::run()?;
    basics::server_comes_and_goes()
}

fn main() -> i32 {
    match run() {
        Ok(()) => {
            println!("nametest: all checks passed");
            0
        }
        Err(Failed) => 1,
    }
}
