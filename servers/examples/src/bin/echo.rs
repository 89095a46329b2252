//! echo: an example server — echoes numbers and bytes back and prints log lines for its clients,
//! counting each client's lines (clients are told apart by the badge the name service gave them).
//! Registered as "echo"; the protocol is `src/protocol/echo.rs`.
#![no_std]
#![no_main]

use examples::protocol::echo::{Echo, Reply, Request};
use userlib::clients::Clients;
use userlib::names;
use userlib::println;
use userlib::rpc::{Call, Server};

userlib::entry!(main);

/// Lines logged, per client badge, for 32 live clients (one beyond them is told 1 each time); a
/// client's count goes when a new client needs its place after it has ended.
struct Logger(Clients<u32, 32>);

impl Server<Echo> for Logger {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<Reply, ()> {
        Ok(match request {
            Request::Ping(n) => Reply::Pong(n),
            Request::Echo(bytes) => Reply::Echoed(bytes),
            Request::Log(line) => {
                println!("echo: client {} logs: {line}", call.badge);
                let lines = self.0.entry(call.badge, || 0).map_or(1, |lines| {
                    *lines += 1;
                    *lines
                });
                Reply::Logged(lines)
            }
        })
    }
}

fn main() -> i32 {
    names::register_and_serve::<Echo, _>("echo", &mut Logger(Clients::new()))
}
