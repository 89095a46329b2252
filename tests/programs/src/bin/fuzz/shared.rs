//! What the driver and its workers share. They run in one address space, so this is plain static
//! memory; every field is an atomic, so no `unsafe` is needed. Only the worker holding the turn
//! (or the driver, while nobody holds it) changes the fuzzing state, so the logic has no races;
//! the orderings only keep the compiler from moving a store past a flag another task reads.
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};

/// Workers per mode: two, so that messages, replies and capabilities really travel.
pub const WORKERS: usize = 2;
/// Most frames the workers may hold at once (per epoch).
pub const FRAME_CAP: usize = 256;
/// Objects the workers may create per epoch: tasks, address spaces, endpoints, notifications.
/// Well below the kernel's tables (64, 64, 128, 64), so that no call fails for want of room because another program
/// happens to be running: that would make a replay differ.
pub const BUDGET: [u64; 4] = [16, 16, 32, 16];
pub const TASKS: usize = 0;
pub const SPACES: usize = 1;
pub const ENDPOINTS: usize = 2;
pub const NOTIFICATIONS: usize = 3;

/// A worker as the driver's watchdog sees it.
pub struct WorkerState {
    /// Calls it made and recorded.
    pub progress: AtomicU64,
    /// The bucket (plus one) of a call it made but has not recorded yet; 0 if none.
    pub outstanding: AtomicU64,
    /// A frame `FrameAlloc` gave it that is not in the record yet (`NO_FRAME`: none).
    pub new_frame: AtomicU64,
}

pub const NO_FRAME: u64 = u64::MAX;

impl WorkerState {
    const fn new() -> WorkerState {
        WorkerState {
            progress: AtomicU64::new(0),
            outstanding: AtomicU64::new(0),
            new_frame: AtomicU64::new(NO_FRAME),
        }
    }

    pub fn progress(&self) -> u64 {
        self.progress.load(Acquire)
    }
}

pub static WORKER: [WorkerState; WORKERS] = [const { WorkerState::new() }; WORKERS];

/// Which worker may make calls: 0 nobody, else the worker's index plus one.
static TURN: AtomicUsize = AtomicUsize::new(0);

pub fn set_turn(worker: Option<usize>) {
    TURN.store(worker.map_or(0, |w| w + 1), Release);
}

pub fn has_turn(worker: usize) -> bool {
    TURN.load(Acquire) == worker + 1
}

/// Set by the worker that reaches the end of the epoch's calls.
pub static EPOCH_DONE: AtomicBool = AtomicBool::new(false);
/// Calls made in this mode so far, and where the epoch ends.
pub static CALLS: AtomicU64 = AtomicU64::new(0);
pub static EPOCH_END: AtomicU64 = AtomicU64::new(0);
/// The generator's state, handed on with the turn.
pub static RNG: AtomicU64 = AtomicU64::new(0);
/// Objects created this epoch, by kind (`TASKS`, `SPACES`, `ENDPOINTS`, `NOTIFICATIONS`).
pub static CREATED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

pub fn budget_left(kind: usize) -> bool {
    CREATED[kind].load(Relaxed) < BUDGET[kind]
}

/// Set when a call that can give frames back to the free list succeeded this epoch (an unmap
/// with `RELEASE`, a copy-on-write break, a space destroyed or reclaimed with its last
/// capability, a task gone): a recorded frame may be free again, or even another's.
pub static RELEASED: AtomicBool = AtomicBool::new(false);

/// The frames the workers were given and have not freed: the driver frees them at the end of each
/// epoch. A worker adds a frame before its next call, so none is lost if it dies. Frames the
/// kernel released (see `RELEASED`) stay recorded: the record may hold more than the workers own.
pub struct FrameRecord {
    frames: [AtomicU64; FRAME_CAP],
    len: AtomicUsize,
}

impl FrameRecord {
    pub fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    pub fn get(&self, i: usize) -> u64 {
        self.frames[i].load(Relaxed)
    }

    pub fn position(&self, frame: u64) -> Option<usize> {
        (0..self.len()).find(|&i| self.get(i) == frame)
    }

    /// Adds a frame; false if the record is full (the generator never lets it fill up).
    pub fn push(&self, frame: u64) -> bool {
        let n = self.len();
        if n == FRAME_CAP {
            return false;
        }
        self.frames[n].store(frame, Relaxed);
        self.len.store(n + 1, Release);
        true
    }

    /// Removes a frame (the last one takes its place); false if it was not recorded.
    pub fn remove(&self, frame: u64) -> bool {
        let Some(i) = self.position(frame) else {
            return false;
        };
        let last = self.len() - 1;
        self.frames[i].store(self.get(last), Relaxed);
        self.len.store(last, Release);
        true
    }

    pub fn pop(&self) -> Option<u64> {
        let n = self.len().checked_sub(1)?;
        self.len.store(n, Release);
        Some(self.get(n))
    }
}

pub static FRAMES: FrameRecord = FrameRecord {
    frames: [const { AtomicU64::new(0) }; FRAME_CAP],
    len: AtomicUsize::new(0),
};

/// Task ids the workers have seen (created, received from, their own): reply targets.
pub struct SeenIds {
    ids: [AtomicU64; 8],
    next: AtomicUsize,
}

impl SeenIds {
    pub fn push(&self, id: u64) {
        let n = self.next.load(Relaxed);
        if self.ids[(n + 7) % 8].load(Relaxed) != id {
            self.ids[n % 8].store(id, Relaxed);
            self.next.store(n + 1, Relaxed);
        }
    }

    pub fn get(&self, i: usize) -> u64 {
        self.ids[i % 8].load(Relaxed)
    }
}

pub static SEEN: SeenIds = SeenIds {
    ids: [const { AtomicU64::new(0) }; 8],
    next: AtomicUsize::new(0),
};

/// The ids of the driver's tasks: worker 0, worker 1, the victim. Results name them by role,
/// since ids differ from run to run when other programs run alongside.
pub static ROLES: [AtomicU64; 3] = [const { AtomicU64::new(u64::MAX) }; 3];

/// A task id by role: 1 and 2 for the workers, 3 for the victim, 0 for any other.
pub fn role_of(id: u64) -> u64 {
    (0..3)
        .find(|&i| ROLES[i].load(Relaxed) == id)
        .map_or(0, |i| i as u64 + 1)
}
