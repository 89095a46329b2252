//! probetest: `probe`'s client (tests/tests/servers.rs). A rejection reaches it as `Rejected`; a
//! request lends the server an endpoint nobody receives on, and the server's call to it times out
//! while a forked child's calls are still answered; a reply too long reaches it as
//! `ReplyTooLong`. Exits 0 only if all held.
#![no_std]
#![no_main]

use test_programs::probe::{Outcome, Probe, Reply, Request};
use userlib::abi::wire::Rejection;
use userlib::rpc::{CallError, Client};
use userlib::{cap, names, println, process, CapSlot, Rights, HZ};

userlib::entry!(main);

const PROBE: CapSlot = CapSlot(8);
/// A send-only copy of this program's own endpoint, which nobody receives on while it calls.
const LENT: CapSlot = CapSlot(9);

fn connect() -> Option<Client<Probe>> {
    names::connect::<Probe>("probe", PROBE, HZ as u32)
        .map_err(|e| println!("probetest: no probe server: {e:?}"))
        .ok()
}

/// The forked child: its own connection (slots from 8 are not inherited), a few pings.
fn child() -> i32 {
    let Some(probe) = connect() else { return 1 };
    let answered = (0..3).all(|n| probe.call(&Request::Ping(n)) == Ok(Reply::Pong(n)));
    if !answered {
        println!("probetest: the child's pings were not all answered");
    }
    (!answered) as i32
}

fn main() -> i32 {
    let Some(probe) = connect() else { return 1 };
    let pinger = match process::fork() {
        Ok(0) => process::exit(child()),
        Ok(pid) => pid,
        Err(e) => {
            println!("probetest: fork failed: {e}");
            return 1;
        }
    };
    let own = cap::own();
    let lent = own.copy_to(LENT, Rights::SEND).map(|_| ());
    let checks = [
        (
            "a request with a capability it does not take is rejected",
            probe
                .call_with_caps(&Request::Ping(1), &[LENT], &[])
                .map(|(r, _)| r),
            Err(CallError::Rejected(Rejection::WrongCaps)),
        ),
        (
            "a request without the capability it needs is rejected",
            probe.call(&Request::CallBack(1)),
            Err(CallError::Rejected(Rejection::WrongCaps)),
        ),
        (
            "the server's call to a lent endpoint nobody answers times out",
            lent.map_err(CallError::Sys).and_then(|()| {
                let reply = probe.call_with_caps(&Request::CallBack(5), &[LENT], &[]);
                reply.map(|(r, _)| r)
            }),
            Ok(Reply::Called(Outcome::TimedOut)),
        ),
        (
            "a reply too long for a message is the server's error",
            probe.call(&Request::Oversize),
            Err(CallError::ReplyTooLong(603)),
        ),
        (
            "the server serves on",
            probe.call(&Request::Ping(7)),
            Ok(Reply::Pong(7)),
        ),
    ];
    let mut failed = 0;
    for (what, got, want) in &checks {
        if got == want {
            println!("probetest: {what}");
        } else {
            println!("probetest: {what}: got {got:?}, expected {want:?}");
            failed += 1;
        }
    }
    match process::waitpid(pinger) {
        Ok(status) if status.code == 0 => println!("probetest: another client was served too"),
        other => {
            println!("probetest: the child ended with {other:?}");
            failed += 1;
        }
    }
    let total = checks.len() + 1;
    println!("probetest: {} of {total} checks passed", total - failed);
    (failed != 0) as i32
}
