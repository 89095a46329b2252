//! probe: a typed server taken to its edges by `probetest` (tests/tests/servers.rs). It accepts a
//! capability with a request (one slot offered), calls the endpoint a client lent it with a
//! timeout — so a lender that never answers delays only its own request — and answers one request
//! with a reply too long for a message.
#![no_std]
#![no_main]

use test_programs::probe::{Outcome, Probe, Reply, Request, Understated, BLOB_BYTES};
use userlib::rpc::{Call, CallError, Client, Server};
use userlib::{names, println, CapSlot, Endpoint, SysError, HZ};

userlib::entry!(main);

/// Where a lent endpoint arrives.
const LENT: CapSlot = CapSlot(9);

struct Prober;

impl Server<Probe> for Prober {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<Reply, ()> {
        match request {
            Request::Ping(n) => Ok(Reply::Pong(n)),
            Request::CallBack(n) => {
                // Nobody vouches for a lent endpoint: call it with a timeout, never without.
                let lent: Client<Probe> = Client::new(Endpoint(call.caps[0]));
                let outcome = match lent.call_timeout(&Request::Ping(n), HZ / 2) {
                    Ok(Reply::Pong(m)) => Outcome::Answered(m),
                    Err(CallError::Sys(SysError::TimedOut)) => {
                        println!("probe: the lent endpoint did not answer in time; serving on");
                        Outcome::TimedOut
                    }
                    _ => Outcome::Failed,
                };
                Ok(Reply::Called(outcome))
            }
            Request::Oversize => {
                let bytes = core::iter::repeat_n(7, BLOB_BYTES).collect();
                Ok(Reply::Blob(Understated(bytes)))
            }
        }
    }
}

fn main() -> i32 {
    names::register_and_serve_with_caps::<Probe, _>("probe", &[LENT], &mut Prober)
}
