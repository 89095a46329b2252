//! bell: a typed server whose loop takes both calls and notifications (tests/tests/
//! notifications.rs). `Attach` brings a notification it binds to itself and one to answer on:
//! each time the bound one brings bits (`Server::notified`), it notes them and signals back.
#![no_std]
#![no_main]

use test_programs::bell::{Bell, Reply, Request};
use userlib::rpc::{Call, Server};
use userlib::{names, CapSlot, Notification, Rights};

userlib::entry!(main);

/// Where `Attach`'s notifications arrive (the serve loop empties them after each request).
const ARRIVING: [CapSlot; 2] = [CapSlot(9), CapSlot(10)];
/// Where the server keeps them.
const BOUND: Notification = Notification(CapSlot(11));
const ANSWER: Notification = Notification(CapSlot(12));

#[derive(Default)]
struct Ringer {
    bits: u64,
    times: u64,
}

impl Server<Bell> for Ringer {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<Reply, ()> {
        Ok(match request {
            Request::Attach => {
                let kept = (|| {
                    Notification(call.caps[0]).copy_to(BOUND.slot(), Rights::all())?;
                    Notification(call.caps[1]).copy_to(ANSWER.slot(), Rights::all())?;
                    BOUND.bind()
                })();
                kept.map_or_else(|e| Reply::Failed(e.raw()), |()| Reply::Done)
            }
            Request::Seen => Reply::Seen {
                bits: self.bits,
                times: self.times,
            },
            Request::Ping(n) => Reply::Pong(n),
        })
    }

    fn notified(&mut self, bits: u64) {
        self.bits |= bits;
        self.times += 1;
        let _ = ANSWER.signal();
    }
}

fn main() -> i32 {
    names::register_and_serve_with_caps::<Bell, _>("bell", &ARRIVING, &mut Ringer::default())
}
