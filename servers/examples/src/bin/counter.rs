//! counter: the tutorial server (docs/writing-a-server.md). It registers as "counter" and keeps a
//! running total for each client, told apart by the badge the name service gave them.
#![no_std]
#![no_main]

use examples::protocol::counter::{Counter, Error, Request};
use heapless::FnvIndexMap;
use userlib::rpc::{self, Call, Server};
use userlib::{cap, names, println};

userlib::entry!(main);

/// One total per client (keyed by badge).
struct Totals(FnvIndexMap<u64, u64, 16>);

impl Server<Counter> for Totals {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<u64, Error> {
        let total = match self.0.get_mut(&call.badge) {
            Some(total) => total,
            None => {
                self.0
                    .insert(call.badge, 0)
                    .map_err(|_| Error::TooManyClients)?;
                &mut self.0[&call.badge]
            }
        };
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
    let error = rpc::serve(cap::own(), &[], &mut Totals(FnvIndexMap::new()));
    println!("counter: stopped serving: {error}");
    1
}
