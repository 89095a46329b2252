//! The basic promises: names are checked, taken once, found badged with the caller's pid and freed
//! by their owner; a missing name is not found, at once or after waiting; a lookup waits for a
//! server that registers later; a server's name dies with it and its clients get `StaleCap`.
use crate::{refused, works, Checked, Failed};
use examples::protocol::echo::{Echo, Reply, Request};
use userlib::abi::names::NameError;
use userlib::rpc::{CallError, Client};
use userlib::{cap, names, println, process, CapSlot, SysError};

const FOUND: CapSlot = CapSlot(8);
const ECHO: CapSlot = CapSlot(9);

pub fn run() -> Checked {
    refused(names::register("", cap::own()), NameError::BadName)?;
    refused(names::register("has space", cap::own()), NameError::BadName)?;
    refused(names::lookup("nobody", FOUND, 0), NameError::NotFound)?;
    refused(names::lookup("nobody", FOUND, 20), NameError::NotFound)?;
    println!("nametest: a missing name is not found, at once or after waiting");

    works(names::register("nt-0", cap::own()), "register")?;
    refused(names::register("nt-0", cap::own()), NameError::Taken)?;
    let own = works(names::lookup("nt-0", FOUND, 0), "look up our own name")?;
    let info = own.info().map_err(|_| Failed)?;
    if info.badge != process::getpid() {
        println!("nametest: badge {:#x}, expected our pid", info.badge);
        return Err(Failed);
    }
    let _ = own.delete();
    works(names::unregister("nt-0"), "unregister")?;
    refused(names::unregister("nt-0"), NameError::NotFound)?;
    println!("nametest: a name is taken once, found badged with our pid, and freed");
    Ok(())
}

/// A server that starts after we look (our child: a reserved name is its program's, whoever
/// starts it): the lookup waits for it. Then it ends: its name goes, and its clients' calls fail.
pub fn server_comes_and_goes() -> Checked {
    let pid = process::spawn("echo", 0).map_err(|e| println!("nametest: spawn: {e:?}"));
    let pid = pid.map_err(|()| Failed)?;
    let echo: Client<Echo> = works(names::connect("echo", ECHO, 200), "wait for echo")?;
    if echo.call(&Request::Ping(7)) != Ok(Reply::Pong(7)) {
        println!("nametest: echo does not answer");
        return Err(Failed);
    }
    println!("nametest: a lookup waited for a server that registered later");

    process::kill(pid)
        .map_err(|e| println!("nametest: kill: {e:?}"))
        .map_err(|()| Failed)?;
    let _ = process::waitpid(pid);
    match echo.call(&Request::Ping(8)) {
        Err(CallError::Sys(SysError::StaleCap)) => {}
        other => {
            println!("nametest: a call to the ended server gave {other:?}");
            return Err(Failed);
        }
    }
    refused(names::lookup("echo", FOUND, 0), NameError::NotFound)?;
    println!("nametest: an ended server's name is gone and its clients get StaleCap");
    Ok(())
}
