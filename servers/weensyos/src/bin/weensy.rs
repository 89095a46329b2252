//! weensy: WeensyOS's keys. It takes the input focus and starts the four allocators; then `a`,
//! `f` and `e` stop every process it started (with their descendants) and start the four
//! allocators, `fork` or `forkexit`, as WeensyOS restarts its machine; `q` or Ctrl-C stop them
//! and end the run with success. `make run` boots into it under the memory viewer.
#![no_std]
#![no_main]

use userlib::abi::input::{Error as InputError, Key};
use userlib::abi::memsrv::ProcState;
use userlib::process::{self, Error};
use userlib::rpc::CallError;
use userlib::{input, println};

userlib::entry!(main);

/// How long a key is waited for before weensy lists what runs (once after each switch).
const LIST_AFTER_TICKS: u32 = 50;
/// How long it waits for a key otherwise.
const KEY_TICKS: u32 = 100 * userlib::abi::HZ as u32;

/// What a key starts.
#[derive(Clone, Copy)]
enum Set {
    Allocators,
    Fork,
    ForkExit,
}

fn main() -> i32 {
    if let Err(e) = input::focus() {
        println!("weensy: no input server: {e:?}");
        return 1;
    }
    println!("weensy: keys: a = the four allocators, f = fork, e = forkexit, q or Ctrl-C = quit");
    start(Set::Allocators);
    let mut listed = false;
    loop {
        let ticks = if listed { KEY_TICKS } else { LIST_AFTER_TICKS };
        let key = match input::read_key(ticks) {
            Ok(event) => event.key,
            Err(CallError::Server(InputError::TimedOut)) => {
                if !listed {
                    list_running();
                    listed = true;
                }
                continue;
            }
            Err(CallError::Server(InputError::Interrupted)) => Key::Ctrl(b'c'),
            Err(CallError::Server(InputError::NotFocused)) => {
                let _ = input::focus();
                continue;
            }
            Err(e) => {
                println!("weensy: cannot read a key: {e:?}");
                stop_all();
                return 1;
            }
        };
        let set = match key {
            Key::Char('a') => Set::Allocators,
            Key::Char('f') => Set::Fork,
            Key::Char('e') => Set::ForkExit,
            Key::Char('q') | Key::Ctrl(b'c') => {
                stop_all();
                println!("weensy: quit");
                return 0;
            }
            _ => continue,
        };
        stop_all();
        start(set);
        listed = false;
    }
}

fn start(set: Set) {
    let programs: &[(&str, u64)] = match set {
        Set::Allocators => &[
            ("allocator", 1),
            ("allocator", 2),
            ("allocator", 3),
            ("allocator", 4),
        ],
        Set::Fork => &[("fork", 0)],
        Set::ForkExit => &[("forkexit", 0)],
    };
    for &(name, arg) in programs {
        match process::spawn(name, arg) {
            Ok(pid) => println!("weensy: started {name} as pid {pid}"),
            Err(e) => println!("weensy: cannot start {name}: {e}"),
        }
    }
}

/// Every process weensy started, their descendants, and the orphans they left (forkexit's),
/// ended and reaped.
fn stop_all() {
    let _ = process::kill(0);
    process::kill_orphans(0);
    loop {
        match process::wait() {
            Ok(_) => {}
            Err(Error::Mem(userlib::abi::memsrv::MemError::NoChild)) => return,
            Err(e) => {
                println!("weensy: waiting for its processes: {e}");
                return;
            }
        }
    }
}

/// The processes running under weensy (its children and theirs, and orphans: forkexit's
/// descendants, once the process that forked them exits), from the memory server's list.
fn list_running() {
    use core::fmt::Write;
    let mut ours: heapless::Vec<u64, 64> = heapless::Vec::new();
    let _ = ours.push(process::getpid());
    let mut line: heapless::String<200> = heapless::String::new();
    let mut from = 1;
    while let Ok(p) = process::process_from(from) {
        // (A parent's pid is below its children's, so one pass finds every descendant.)
        let orphan = p.state == ProcState::Orphan;
        if (orphan || ours.contains(&p.parent)) && ours.push(p.pid).is_ok() {
            let _ = write!(line, " {}({})", p.name(), p.pid);
        }
        from = p.pid + 1;
    }
    println!("weensy: running:{line}");
}
