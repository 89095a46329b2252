//! belltest: notifications across tasks (tests/tests/notifications.rs). It holds the frame pool
//! (init's `POOL_HOLDERS`) to make two notifications: it signals and waits on its own, hands
//! `bell` one to bind and one to answer on, then rings: each signal must come back as the
//! server's answer, while the same server loop answers calls. Exits 0 only if all held.
#![no_std]
#![no_main]

use test_programs::bell::{Bell, Reply, Request};
use userlib::rpc::Client;
use userlib::{names, println, slots, CapSlot, FramePool, Notification, Rights, SysError, HZ};

userlib::entry!(main);

const POOL: FramePool = FramePool(slots::POOL);
const BELL: CapSlot = CapSlot(8);
/// The notification `bell` binds, and the one it answers on (this program's).
const RING: CapSlot = CapSlot(20);
const ANSWERS: CapSlot = CapSlot(21);
/// Copies sent with `Attach`, and the badged signalling copies of `RING`.
const SEND_ANSWER: CapSlot = CapSlot(22);
const SEND_RING: CapSlot = CapSlot(23);
const LOW: CapSlot = CapSlot(24);
const HIGH: CapSlot = CapSlot(25);
/// The badge of `bell`'s answers.
const ANSWER: u64 = 0x100;
const ROUND_TRIPS: u64 = 1000;

type Outcome = Result<(), (&'static str, u64)>;
type Check = fn(&Client<Bell>) -> Outcome;

fn ok<T>(result: Result<T, SysError>, what: &'static str) -> Result<T, (&'static str, u64)> {
    result.map_err(|e| (what, e.raw()))
}

fn expect(holds: bool, what: &'static str, got: u64) -> Outcome {
    if holds {
        Ok(())
    } else {
        Err((what, got))
    }
}

fn seen(bell: &Client<Bell>) -> (u64, u64) {
    match bell.call(&Request::Seen) {
        Ok(Reply::Seen { bits, times }) => (bits, times),
        _ => (u64::MAX, u64::MAX),
    }
}

fn main() -> i32 {
    let Ok(bell) = names::connect::<Bell>("bell", BELL, HZ as u32) else {
        println!("belltest: no bell server");
        return 1;
    };
    let checks: [(&str, Check); 5] = [
        ("its own notification: poll, signal, wait", own),
        ("bell binds the notification it is given", attach),
        (
            "two badged signals reach bell's loop as their bits",
            two_signals,
        ),
        ("1000 signal-wait round trips through bell", round_trips),
        (
            "destroyed, the notification is stale and bell serves on",
            destroyed,
        ),
    ];
    let mut passed = 0;
    for (what, check) in checks {
        match check(&bell) {
            Ok(()) => {
                passed += 1;
                println!("belltest: {what}");
            }
            Err((step, got)) => println!("belltest: FAILED: {what}: {step} (got {got:#x})"),
        }
    }
    println!("belltest: {passed} of {} checks passed", checks.len());
    (passed != checks.len()) as i32
}

fn own(_: &Client<Bell>) -> Outcome {
    let n = ok(POOL.create_notification(ANSWERS), "create")?;
    expect(ok(n.poll(), "poll")? == 0, "nothing signalled yet", 1)?;
    ok(n.signal(), "signal")?;
    ok(n.signal(), "signal again")?;
    let bits = ok(n.wait(), "wait")?;
    expect(bits == 1, "an unbadged signal sets bit 0, once", bits)?;
    let left = ok(n.poll(), "poll")?;
    expect(left == 0, "taken: cleared", left)
}

fn attach(bell: &Client<Bell>) -> Outcome {
    let ring = ok(POOL.create_notification(RING), "create")?;
    ok(ring.copy_to(SEND_RING, Rights::RECEIVE), "copy")?;
    ok(
        Notification(ANSWERS).mint(SEND_ANSWER, Rights::SEND, ANSWER),
        "mint",
    )?;
    let sent = bell.call_with_caps(&Request::Attach, &[SEND_RING, SEND_ANSWER], &[]);
    let _ = (
        Notification(SEND_RING).delete(),
        Notification(SEND_ANSWER).delete(),
    );
    match sent {
        Ok((Reply::Done, _)) => Ok(()),
        Ok((Reply::Failed(code), _)) => Err(("bell could not attach", code)),
        _ => Err(("the call", 0)),
    }
}

fn two_signals(bell: &Client<Bell>) -> Outcome {
    let ring = Notification(RING);
    ok(ring.mint(LOW, Rights::SEND, 0b01), "mint")?;
    ok(ring.mint(HIGH, Rights::SEND, 0b10), "mint")?;
    ok(Notification(LOW).signal(), "signal")?;
    ok(Notification(HIGH).signal(), "signal")?;
    let bits = ok(Notification(ANSWERS).wait(), "wait for the answer")?;
    expect(bits == ANSWER, "bell's answer carries its badge", bits)?;
    // Bell took the bits in one notification or two, as the scheduler had it.
    let (bits, times) = seen(bell);
    // Two notifications mean a second answer, signalled before bell answered `Seen` (pending
    // bits come before calls): take it now, or the next test's first wait would end on it.
    ok(Notification(ANSWERS).poll(), "take a second answer")?;
    expect(bits == 0b11, "bell saw both bits", bits)?;
    expect(
        (1..=2).contains(&times),
        "in one or two notifications",
        times,
    )
}

fn round_trips(bell: &Client<Bell>) -> Outcome {
    let (_, before) = seen(bell);
    for _ in 0..ROUND_TRIPS {
        ok(Notification(LOW).signal(), "signal")?;
        let bits = ok(Notification(ANSWERS).wait(), "wait")?;
        expect(bits == ANSWER, "the answer", bits)?;
    }
    let (_, after) = seen(bell);
    expect(
        after - before == ROUND_TRIPS,
        "one notification per signal",
        after - before,
    )?;
    let pong = bell.call(&Request::Ping(7));
    expect(pong == Ok(Reply::Pong(7)), "calls are answered between", 0)
}

fn destroyed(bell: &Client<Bell>) -> Outcome {
    ok(Notification(RING).destroy(), "destroy")?;
    let stale = Notification(LOW).signal();
    expect(
        stale == Err(SysError::StaleCap),
        "a signal through a copy is refused",
        0,
    )?;
    let pong = bell.call(&Request::Ping(8));
    expect(pong == Ok(Reply::Pong(8)), "bell still answers", 0)?;
    for slot in [RING, LOW, HIGH] {
        ok(Notification(slot).delete(), "delete")?;
    }
    ok(Notification(ANSWERS).destroy(), "destroy")?;
    ok(Notification(ANSWERS).delete(), "delete")
}
