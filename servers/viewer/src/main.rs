//! viewer: WeensyOS's memory viewer. Twice a second it reads every frame's state from the kernel
//! and every process's pages and the capabilities of one of them from the memory server, and
//! draws PHYSICAL MEMORY, VIRTUAL ADDRESS SPACE FOR <pid> (the next live process each time) and
//! its CAPABILITIES — in the console page (on the framebuffer) and on the serial console. Init
//! starts it for `viewer:tty` / `viewer:log` on the command line (the runner's `--viewer`), with
//! the system capability (`READ` only) and the memory server's observer endpoint. It runs until
//! the system shuts down. See `docs/viewer.md`.
#![no_std]
#![no_main]

mod draw;
mod gather;
mod output;

use gather::Snapshot;
use userlib::abi::cmdline::ViewerMode;
use userlib::{println, slots, sys, SysError};

userlib::entry!(main);

/// Timer ticks between refreshes (half a second).
const REFRESH_TICKS: u64 = userlib::abi::HZ / 2;

/// The snapshot and the picture: too big for the stack, and one refresh runs at a time.
static SNAPSHOT: spin::Mutex<Snapshot> = spin::Mutex::new(Snapshot::new());
static GRID: spin::Mutex<draw::Grid> = spin::Mutex::new([0; draw::CELLS]);

fn main() -> i32 {
    let mode = match userlib::rt::start_args().0 {
        0 => ViewerMode::Tty,
        _ => ViewerMode::Log,
    };
    output::start(mode);
    let (mut snapshot, mut grid) = (SNAPSHOT.lock(), GRID.lock());
    let mut shown = 0;
    let mut drawing = 0;
    for refresh in 0.. {
        // A log shows one refresh in several: the process on screen moves on with what is shown.
        let advance = output::shows(mode, refresh);
        if let Err(e) = snapshot.take(shown, advance) {
            println!("viewer: cannot read the machine's state: {e}");
            return 1;
        }
        shown = snapshot.shown;
        let start = userlib::rdtsc();
        draw::draw(&snapshot, &mut grid);
        output::to_screen(&grid);
        let [states, server] = snapshot.cost;
        output::to_serial(&grid, mode, refresh, [states, server, drawing]);
        drawing = userlib::rdtsc() - start;
        // Sleep: a receive with a timeout on an endpoint nobody else sends to.
        match sys::recv_timeout(slots::OWN, REFRESH_TICKS) {
            Ok(_) | Err(SysError::TimedOut) => {}
            Err(e) => {
                println!("viewer: cannot sleep: {e}");
                return 1;
            }
        }
    }
    0
}
