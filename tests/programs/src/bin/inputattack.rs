//! Misuses the input server's protocol (`abi::input`); each case must be refused cleanly and the
//! server keep serving (tests/tests/input.rs): keys typed without the driver badge, text written
//! without the focus, malformed and foreign requests, a client that ends while its read waits,
//! reads and watches that time out.
#![no_std]
#![no_main]

use userlib::abi::input::{Error, Key, KeyEvent, Request, Source, NAME, PROTOCOL};
use userlib::abi::wire::{self, Rejection};
use userlib::input::{self, Input};
use userlib::rpc::CallError;
use userlib::{cap, ipc, names, println, process, slots, sys, CapSlot, HZ};

userlib::entry!(main);

/// Our own capability to the server (as anyone can look it up), beside `slots::INPUT`.
const RAW: CapSlot = CapSlot(8);

type Outcome = Result<(), &'static str>;
/// A case: what it shows, and the check.
type Case = (&'static str, fn() -> Outcome);

fn check(ok: bool, what: &'static str) -> Outcome {
    if ok {
        Ok(())
    } else {
        Err(what)
    }
}

fn main() -> i32 {
    let cases: [Case; 5] = [
        (
            "keys typed without the driver badge are refused",
            typed_without_badge,
        ),
        (
            "text written without the focus is refused",
            write_without_focus,
        ),
        ("malformed and foreign requests are rejected", malformed),
        ("reads and watches time out", timeouts),
        ("a client that ends while its read waits", reader_ends),
    ];
    let mut passed = 0;
    for (name, case) in cases {
        match case() {
            Ok(()) => {
                passed += 1;
                println!("inputattack: {name}");
            }
            Err(why) => println!("inputattack: FAILED: {name}: {why}"),
        }
    }
    println!("inputattack: {passed} of {} cases passed", cases.len());
    (passed != cases.len()) as i32
}

fn typed_without_badge() -> Outcome {
    let server =
        names::connect::<Input>(NAME, RAW, 2 * HZ as u32).map_err(|_| "no input server")?;
    let key = KeyEvent {
        key: Key::Ctrl(b'c'),
        source: Source::Keyboard,
    };
    let keys = heapless::Vec::from_slice(&[key; 8]).map_err(|_| "keys")?;
    let r = server.call(&Request::Typed(keys));
    check(
        r == Err(CallError::Server(Error::NotADriver)),
        "Typed accepted",
    )
}

fn write_without_focus() -> Outcome {
    check(
        input::write("x") == Err(CallError::Server(Error::NotFocused)),
        "a write with nobody focused",
    )?;
    input::focus().map_err(|_| "focus")?;
    check(
        input::write("inputattack: written with the focus\n").is_ok(),
        "a write with the focus",
    )?;
    input::release().map_err(|_| "release")?;
    check(
        input::write("x") == Err(CallError::Server(Error::NotFocused)),
        "a write after release",
    )
}

fn malformed() -> Outcome {
    let server = cap::Endpoint(RAW);
    // Our protocol's label, bytes that decode as nothing (variant 200).
    let label = wire::request_label(PROTOCOL, 1);
    let reply = server
        .call(&ipc::message(label, &[200]))
        .map_err(|_| "call")?;
    check(
        rejected(&reply) == Some(Rejection::Undecodable),
        "undecodable",
    )?;
    // A length the words cannot hold.
    let label = wire::request_label(PROTOCOL, 200);
    let reply = server
        .call(&ipc::message(label, &[1]))
        .map_err(|_| "call")?;
    check(rejected(&reply) == Some(Rejection::BadLength), "bad length")?;
    // Another protocol's request.
    let label = wire::request_label(PROTOCOL ^ 1, 1);
    let reply = server
        .call(&ipc::message(label, &[1]))
        .map_err(|_| "call")?;
    check(
        rejected(&reply) == Some(Rejection::WrongProtocol),
        "foreign",
    )?;
    // Sent, not called: nobody to answer, and the server goes on.
    let _ = server.send(&ipc::message(wire::request_label(PROTOCOL, 1), &[1]));
    check(
        input::focus().is_ok() && input::release().is_ok(),
        "the server still serves",
    )
}

fn rejected(reply: &userlib::Message) -> Option<Rejection> {
    let kind = wire::label_high(reply.tag.label());
    (kind == wire::ReplyKind::Rejected.raw()).then(|| Rejection::from_raw(reply.words[0]))?
}

fn timeouts() -> Outcome {
    let timed_out = Err(CallError::Server(Error::TimedOut));
    check(input::read_key(5).map(drop) == timed_out, "read_key")?;
    check(input::read_line(5).map(drop) == timed_out, "read_line")?;
    check(input::wait_interrupt(5) == timed_out, "wait_interrupt")?;
    check(input::read_key(0).map(drop) == timed_out, "read_key(0)")?;
    input::release().map_err(|_| "release")
}

fn reader_ends() -> Outcome {
    let pid = process::fork().map_err(|_| "fork")?;
    if pid == 0 {
        // Our own capability (a copy of the parent's would carry its badge).
        let _ = sys::cap_delete(slots::INPUT);
        let r = input::read_key(20 * HZ as u32);
        println!("inputattack: the child's read returned?! {r:?}");
        process::exit(1);
    }
    let _ = sys::recv_timeout(cap::own().slot(), HZ / 2); // (a sleep: the child's read waits)
    process::kill(pid).map_err(|_| "kill")?;
    let _ = process::waitpid(pid);
    // The server answers at once, and the focus is ours again.
    input::focus().map_err(|_| "focus after the reader ended")?;
    let r = input::read_key(0).map(drop);
    check(
        r == Err(CallError::Server(Error::TimedOut)),
        "a read after the reader ended",
    )?;
    check(
        input::write("inputattack: the server goes on\n").is_ok(),
        "write",
    )?;
    input::release().map_err(|_| "release")
}
