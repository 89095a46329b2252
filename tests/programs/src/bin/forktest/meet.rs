//! How two programs of one batch (two jobs) take turns: one registers a name with the name
//! service when it reaches a point, the other waits for the name. (Nothing else passes between
//! them: the name is the signal.)
use userlib::{cap, names, sys, CapSlot};

/// Where a looked-up endpoint lands (deleted again at once).
const LOOKED_UP: CapSlot = CapSlot(12);
/// How many times [`await_name`] waits the name service's longest wait (10 s) before giving up.
const ROUNDS: u32 = 12;

/// Says that this program reached `name`.
pub fn announce(name: &str) -> bool {
    names::register(name, cap::own()).is_ok()
}

/// Says that this program reached `name`, its last point: it stays a while, as a name goes with
/// its owner and the others may not have seen it yet.
pub fn announce_last(name: &str) -> bool {
    let done = announce(name);
    sleep(3 * userlib::HZ);
    done
}

/// Waits until another program has announced `name` (two minutes at most; a busy host's TCG
/// guest may run several times slower than real time).
pub fn await_name(name: &str) -> bool {
    for _ in 0..ROUNDS {
        let found = names::lookup(name, LOOKED_UP, userlib::abi::names::MAX_WAIT_TICKS);
        let _ = sys::cap_delete(LOOKED_UP);
        if found.is_ok() {
            return true;
        }
    }
    false
}

/// Sleeps for `ticks` timer ticks (a receive nobody answers).
pub fn sleep(ticks: u64) {
    let _ = sys::recv_timeout(cap::own().0, ticks);
}
