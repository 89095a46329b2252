//! counter: the tutorial server (docs/writing-a-server.md). It registers as "counter" and keeps a
//! running total for each client, told apart by the badge the name service gave them. A client's
//! total goes when a new client needs its place after it has ended (`userlib::clients`).
#![no_std]
#![no_main]

use examples::protocol::counter::{Counter, Error, Request};
use userlib::clients::Clients;
use userlib::rpc::{self, Call, Server};
use userlib::{cap, names, println};

userlib::entry!(main);

/// One total per client (keyed by badge), for 16 live clients at once.
struct Totals(Clients<u64, 16>);

impl Server<Counter> for Totals {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<u64, Error> {
        // A new client's total starts at 0; if 16 live clients have one, it is refused.
        let total = self
            .0
            .entry(call.badge, || 0)
            .ok_or(Error::TooManyClients)?;
        if let Request::Add(n) = request {
            *total = total.checked_add(n).ok_or(Error::Overflow)?;
        }
        Ok(*total)
    }
}

fn main() -> i32 {
    if let Err(e) = names::register("counter", cap::own()) {
        println!("counter: cannot register: {e:?}");
        return 1;
    }
    let error = rpc::serve(cap::own(), &[], &mut Totals(Clients::new()));
    println!("counter: stopped serving: {error}");
    1
}
