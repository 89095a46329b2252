//! The input stack: the input server and its two drivers, which init starts for a batch whose
//! programs need them (`with=input` in the registry) and restarts when one crashes (a fault or an
//! exit), at most [`MAX_RESTARTS`] times a minute; after that it gives up and says so.
//!
//! Each driver gets the device capability, a frame pool (for its notification) and, in
//! `slots::INPUT`, the input server's endpoint badged `input::DRIVER`, which no name-service badge
//! has: only these drivers can type. The input server gets the system capability with `READ`
//! (its raw serial writes). If the input server crashes, the drivers are restarted with it: their
//! capabilities name its dead endpoint, and a driver keeps nothing worth saving (docs/drivers.md).
use crate::children::{Child, Children};
use crate::MINTING;
use userlib::abi::bootfs::BootFs;
use userlib::abi::cmdline::Program;
use userlib::abi::input::{DRIVER, NAME as INPUT};
use userlib::{init_slots, println, slots, sys, Rights, SysError, HZ};

/// The keyboard driver's program name.
pub const KBD: &str = "kbd";
/// The serial driver's program name.
pub const SERIAL: &str = "serial";
/// Restarts of the stack's programs allowed within a minute; one more and init gives up.
pub const MAX_RESTARTS: usize = 5;
/// The test kernel's words that make the first keyboard driver, or the first input server, crash
/// at its Nth key (the restart tests).
const KBD_CRASH: &str = "test:kbd-crash=";
const INPUT_CRASH: &str = "test:input-crash=";

pub struct InputStack {
    /// When (on [`InputStack::clock`]) the last restarts happened, oldest first.
    restarts: heapless::Deque<u64, MAX_RESTARTS>,
    /// Timer ticks init has waited since the stack started (approximate: time spent handling
    /// messages is not counted).
    pub clock: u64,
    gave_up: bool,
    /// `test:kbd-crash=N`: N for the first keyboard driver (0: none).
    kbd_crash: u64,
    /// `test:input-crash=N`: N for the first input server (0: none).
    input_crash: u64,
}

impl InputStack {
    pub fn new(cmdline: &str) -> InputStack {
        let word = |prefix: &str| {
            cmdline
                .split_whitespace()
                .find_map(|w| w.strip_prefix(prefix)?.parse().ok())
                .unwrap_or(0)
        };
        InputStack {
            restarts: heapless::Deque::new(),
            clock: 0,
            gave_up: false,
            kbd_crash: word(KBD_CRASH),
            input_crash: word(INPUT_CRASH),
        }
    }

    /// Starts the input server, then its drivers.
    pub fn start(&mut self, children: &mut Children, fs: &BootFs<'static>) -> Result<(), SysError> {
        start_one(children, fs, INPUT, core::mem::take(&mut self.input_crash))?;
        start_one(children, fs, KBD, core::mem::take(&mut self.kbd_crash))?;
        start_one(children, fs, SERIAL, 0)
    }

    /// `name` of the stack crashed and was reaped: starts it again (with the drivers, if it was
    /// the input server), unless the stack has crashed too often.
    pub fn crashed(&mut self, children: &mut Children, fs: &BootFs<'static>, name: &'static str) {
        if self.gave_up {
            return;
        }
        while self
            .restarts
            .front()
            .is_some_and(|&at| self.clock - at >= 60 * HZ)
        {
            self.restarts.pop_front();
        }
        if self.restarts.push_back(self.clock).is_err() {
            println!(
                "init: {name} crashed {} times within a minute: not restarting the input stack \
                 any more",
                MAX_RESTARTS + 1
            );
            self.gave_up = true;
            return;
        }
        let n = self.restarts.len();
        println!("init: restarting {name} ({n} of at most {MAX_RESTARTS} restarts a minute)");
        let result = if name == INPUT {
            children.reap_where(|c| c.name == KBD || c.name == SERIAL);
            self.start(children, fs)
        } else {
            start_one(children, fs, name, 0)
        };
        if let Err(e) = result {
            println!("init: cannot restart {name}: {e}");
        }
    }
}

fn start_one(
    children: &mut Children,
    fs: &BootFs<'static>,
    name: &'static str,
    arg: u64,
) -> Result<(), SysError> {
    let program = Program {
        name,
        arg,
        expect_kill: false,
    };
    let input = match name {
        INPUT => None,
        _ => Some(children.own_of(INPUT).ok_or(SysError::EmptySlot)?),
    };
    let give = |child: &Child| {
        let task = child.task();
        match input {
            None => sys::task_give_cap(
                task,
                init_slots::SYSTEM,
                slots::TERMINAL_SYSTEM,
                Rights::READ,
            ),
            Some(input) => {
                // A badge of its own for each driver start (the DRIVER bit and the child's id).
                let badge = DRIVER | child.pid;
                sys::cap_mint(input, MINTING, Rights::SEND, badge)?;
                let given = sys::task_give_cap(task, MINTING, slots::INPUT, Rights::SEND);
                let _ = sys::cap_delete(MINTING);
                given
            }
        }
    };
    let badge = children.spawn(fs, program, 0, give)?.badge();
    children.make_companion(badge, true);
    Ok(())
}
