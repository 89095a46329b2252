//! nametest: the name service's promises, checked one by one — names are checked, taken once and
//! freed by their owner only; a lookup of a missing name fails at once or after waiting; a lookup
//! waits for a server that registers later; a server's name dies with it, and its clients' calls
//! then fail with `StaleCap`; no client holds more than its share. Exits 0 only if all held.
#![no_std]
#![no_main]

use examples::protocol::echo::{Echo, Reply, Request};
use userlib::abi::names::{NameError, NAMES_PER_CLIENT};
use userlib::names::{self, Error};
use userlib::rpc::{CallError, Client};
use userlib::{cap, println, process, CapSlot, SysError};

userlib::entry!(main);

const FOUND: CapSlot = CapSlot(8);
const ECHO: CapSlot = CapSlot(9);

fn refused<T: core::fmt::Debug>(got: Result<T, Error>, want: NameError) -> Result<(), ()> {
    match got {
        Err(CallError::Server(e)) if e == want => Ok(()),
        other => {
            println!("nametest: expected {want:?}, got {other:?}");
            Err(())
        }
    }
}

fn works<T>(got: Result<T, Error>, what: &str) -> Result<T, ()> {
    got.map_err(|e| println!("nametest: {what} failed: {e:?}"))
}

fn run() -> Result<(), ()> {
    refused(names::register("", cap::own()), NameError::BadName)?;
    refused(names::register("has space", cap::own()), NameError::BadName)?;
    refused(names::lookup("nobody", FOUND, 0), NameError::NotFound)?;
    refused(names::lookup("nobody", FOUND, 20), NameError::NotFound)?;
    println!("nametest: a missing name is not found, at once or after waiting");

    works(names::register("nt-0", cap::own()), "register")?;
    refused(names::register("nt-0", cap::own()), NameError::Taken)?;
    let own = works(names::lookup("nt-0", FOUND, 0), "look up our own name")?;
    let info = own.info().map_err(|_| ())?;
    if info.badge != process::getpid() {
        println!("nametest: badge {:#x}, expected our pid", info.badge);
        return Err(());
    }
    let _ = own.delete();
    works(names::unregister("nt-0"), "unregister")?;
    refused(names::unregister("nt-0"), NameError::NotFound)?;
    println!("nametest: a name is taken once, found badged with our pid, and freed");

    let mut name = heapless::String::<8>::new();
    for i in 0..=NAMES_PER_CLIENT {
        name.clear();
        let _ = core::fmt::write(&mut name, format_args!("nt-{i}"));
        let got = names::register(&name, cap::own());
        if i < NAMES_PER_CLIENT {
            works(got, "register within the share")?;
        } else {
            refused(got, NameError::Full)?;
        }
    }
    println!("nametest: a client holds at most {NAMES_PER_CLIENT} names");

    // A server that starts after we look: the lookup waits for it.
    let pid = process::spawn("echo", 0).map_err(|e| println!("nametest: spawn: {e:?}"))?;
    let echo: Client<Echo> = works(names::connect("echo", ECHO, 200), "wait for echo")?;
    if echo.call(&Request::Ping(7)) != Ok(Reply::Pong(7)) {
        println!("nametest: echo does not answer");
        return Err(());
    }
    println!("nametest: a lookup waited for a server that registered later");

    // The server ends: its name goes, and its clients' calls fail.
    process::kill(pid).map_err(|e| println!("nametest: kill: {e:?}"))?;
    let _ = process::waitpid(pid);
    match echo.call(&Request::Ping(8)) {
        Err(CallError::Sys(SysError::StaleCap)) => {}
        other => {
            println!("nametest: a call to the ended server gave {other:?}");
            return Err(());
        }
    }
    refused(names::lookup("echo", FOUND, 0), NameError::NotFound)?;
    println!("nametest: an ended server's name is gone and its clients get StaleCap");
    Ok(())
}

fn main() -> i32 {
    match run() {
        Ok(()) => {
            println!("nametest: all checks passed");
            0
        }
        Err(()) => 1,
    }
}
