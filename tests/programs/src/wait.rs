//! Waiting for another task or process to get somewhere: by its state, never by a number of
//! yields (on several CPUs they pass before the other has even run).
use userlib::{rdtsc, sys};

/// TSC ticks a wait gives up after: seconds without `-icount`, as many instructions with it. A
/// count of yields is no bound when the CPU the other runs on is a host thread waiting for a core.
pub const PATIENCE: u64 = 5_000_000_000;

/// Yields until `done()` holds, or [`PATIENCE`] has passed; whether it holds.
pub fn yield_until(mut done: impl FnMut() -> bool) -> bool {
    let start = rdtsc();
    while rdtsc().wrapping_sub(start) < PATIENCE {
        if done() {
            return true;
        }
        sys::yield_now();
    }
    done()
}
