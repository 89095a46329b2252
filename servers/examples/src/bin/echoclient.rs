//! echoclient: uses the `echo` example server — finds it by name, pings it, echoes a payload long
//! enough to need the IPC buffer, logs two lines, and checks every answer.
#![no_std]
#![no_main]

use examples::protocol::echo::{Bytes, Echo, Line, Reply, Request, MAX_BYTES};
use userlib::rpc::Client;
use userlib::{names, println, CapSlot, HZ};

userlib::entry!(main);

fn main() -> i32 {
    let echo: Client<Echo> = match names::connect("echo", CapSlot(8), HZ as u32) {
        Ok(echo) => echo,
        Err(e) => {
            println!("echoclient: no echo server: {e:?}");
            return 1;
        }
    };
    let payload: Bytes = (0..MAX_BYTES as u32).map(|i| (i * 7) as u8).collect();
    let line = |s: &str| Line::try_from(s).unwrap_or_default();
    let checks = [
        ("ping", echo.call(&Request::Ping(42)), Ok(Reply::Pong(42))),
        (
            "echo 64 bytes",
            echo.call(&Request::Echo(payload.clone())),
            Ok(Reply::Echoed(payload)),
        ),
        (
            "log",
            echo.call(&Request::Log(line("first"))),
            Ok(Reply::Logged(1)),
        ),
        (
            "log again",
            echo.call(&Request::Log(line("second"))),
            Ok(Reply::Logged(2)),
        ),
    ];
    let mut failed = 0;
    for (what, got, want) in &checks {
        if got != want {
            println!("echoclient: {what}: got {got:?}, expected {want:?}");
            failed += 1;
        }
    }
    println!(
        "echoclient: {} of {} checks passed",
        checks.len() - failed,
        checks.len()
    );
    (failed != 0) as i32
}
