//! The driver: for each epoch it makes the endpoints (and in privileged mode the scratch address
//! space and the victim task), starts the two workers, hands the turn between them whenever the
//! one holding it is stuck, and at the end destroys everything and frees every frame the workers
//! allocated, so that init's census after the run is exact.
use crate::shared::{
    set_turn, CREATED, EPOCH_DONE, EPOCH_END, FRAMES, NO_FRAME, RELEASED, ROLES, SEEN, WORKER,
    WORKERS,
};
use crate::stats::{STATS, UNFINISHED};
use crate::values::wslot;
use crate::worker;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use userlib::{println, slots, sys, CapSlot, Rights, SysError, Task, UserRegs};

/// The driver's own slots for what it makes.
const PAIR: CapSlot = CapSlot(8);
const BADGED: CapSlot = CapSlot(9);
const DEAD: CapSlot = CapSlot(10);
const SPACE: CapSlot = CapSlot(11);
const VICTIM: CapSlot = CapSlot(12);
const WORKER_SLOTS: [CapSlot; WORKERS] = [CapSlot(13), CapSlot(14)];
const NOTE: CapSlot = CapSlot(15);
const NAMES: [&str; WORKERS] = ["fuzz-worker-0", "fuzz-worker-1"];
/// The badge of the badged endpoint (the victim's fault endpoint too).
const BADGE: u64 = 0xB4D6E;
/// Checks in a row without progress after which the worker holding the turn counts as stuck.
/// While it can run, it runs between two checks (the driver yields in between), so one would do.
const PATIENCE: u32 = 4;
/// Turns in a row a worker may get without making progress before it is replaced (it exited
/// with a fault endpoint set, or it faults again and again).
const FRUITLESS_LIMIT: u32 = 3;

pub struct Driver {
    privileged: bool,
    /// Each worker's progress when it last got the turn, and how many turns in a row it wasted.
    granted_at: [u64; WORKERS],
    fruitless: [u32; WORKERS],
}

impl Driver {
    pub fn new(privileged: bool) -> Driver {
        Driver {
            privileged,
            granted_at: [0; WORKERS],
            fruitless: [0; WORKERS],
        }
    }

    /// Runs the workers until `CALLS` reaches `end`, then takes everything back.
    pub fn run_epoch(&mut self, end: u64) -> Result<(), SysError> {
        EPOCH_END.store(end, Relaxed);
        EPOCH_DONE.store(false, Release);
        CREATED.iter().for_each(|c| c.store(0, Relaxed));
        RELEASED.store(false, Relaxed);
        let result = self.setup();
        if result.is_ok() {
            set_turn(Some(0));
            self.watch();
        }
        self.teardown();
        STATS.note(&STATS.epochs);
        result
    }

    fn setup(&mut self) -> Result<(), SysError> {
        sys::endpoint_create(slots::POOL, PAIR)?;
        sys::cap_mint(PAIR, BADGED, Rights::SEND | Rights::GRANT, BADGE)?;
        sys::endpoint_create(slots::POOL, DEAD)?;
        sys::notification_create(slots::POOL, NOTE)?;
        if self.privileged {
            sys::as_create(slots::POOL, SPACE)?;
            let id = sys::task_create(SPACE, VICTIM)?;
            ROLES[2].store(id, Relaxed);
            SEEN.push(id);
            sys::task_set_name(VICTIM, "fuzz-victim")?;
            // Its faults become messages the workers may receive, rather than kills and lines in
            // the log.
            sys::task_set_fault(VICTIM, BADGED)?;
        }
        (0..WORKERS).try_for_each(|w| self.spawn(w))
    }

    /// Creates worker `w` in the driver's own address space, gives it its capabilities and starts
    /// it. It gets no fault endpoint: should it fault, the kernel kills it (and says so).
    fn spawn(&mut self, w: usize) -> Result<(), SysError> {
        let task = WORKER_SLOTS[w];
        let id = sys::task_create(slots::SELF_SPACE, task)?;
        ROLES[w].store(id, Relaxed);
        SEEN.push(id);
        sys::task_set_name(task, NAMES[w])?;
        let regs = UserRegs {
            rip: worker::entry_point(),
            rsp: worker::stack_top(w),
            rdi: w as u64,
            rflags: 0x202,
            ..UserRegs::default()
        };
        // The IPC buffer is shared with the workers; none writes it now (nobody holds the turn).
        Task(task).write_regs(&regs)?;
        let give = |src: CapSlot, dst: u64, rights: Rights| {
            sys::task_give_cap(task, src, CapSlot(dst as u32), rights)
        };
        give(PAIR, wslot::PAIR, Rights::all())?;
        give(BADGED, wslot::BADGED, Rights::all())?;
        give(DEAD, wslot::DEAD, Rights::SEND | Rights::GRANT)?;
        give(slots::OWN, wslot::SHARED, Rights::all())?;
        give(NOTE, wslot::NOTE, Rights::all())?;
        if self.privileged {
            give(slots::POOL, wslot::POOL, Rights::all())?;
            give(SPACE, wslot::SPACE, Rights::all())?;
            give(VICTIM, wslot::VICTIM, Rights::all())?;
            give(task, wslot::SELF, Rights::all())?;
            give(slots::DEVICE, wslot::DEVICE, Rights::all())?;
        }
        self.granted_at[w] = WORKER[w].progress();
        self.fruitless[w] = 0;
        sys::task_start(task)
    }

    /// Yields and checks the holder of the turn until the epoch is done; whenever the holder is
    /// stuck, the turn goes to the other worker.
    fn watch(&mut self) {
        let mut holder = 0;
        let mut seen = WORKER[holder].progress();
        let mut stalls = 0;
        loop {
            sys::yield_now();
            if EPOCH_DONE.load(Acquire) {
                return;
            }
            let progress = WORKER[holder].progress();
            if progress != seen {
                (seen, stalls) = (progress, 0);
                continue;
            }
            stalls += 1;
            // A holder that can run is not stuck: on several CPUs it may be running elsewhere
            // while the driver's yields return at once. (On one CPU a ready holder runs during
            // the driver's yields, so this changes nothing there.)
            if stalls < PATIENCE || runnable(WORKER_SLOTS[holder]) {
                continue;
            }
            set_turn(None);
            holder = (holder + 1) % WORKERS;
            if let Err(e) = self.wake(holder) {
                println!("fuzz: cannot start a new worker: {e}");
                STATS.anomaly(format_args!("the driver lost a worker"));
                return;
            }
            (seen, stalls) = (WORKER[holder].progress(), 0);
            set_turn(Some(holder));
        }
    }

    /// Makes worker `w` able to take the turn: a stop and a start end a call it is blocked in
    /// (`Interrupted`), resume it if it or the other worker stopped it, and change nothing if it
    /// is running. A worker that is gone, or wastes turn after turn, is replaced.
    fn wake(&mut self, w: usize) -> Result<(), SysError> {
        let task = WORKER_SLOTS[w];
        let progress = WORKER[w].progress();
        self.fruitless[w] = if progress == self.granted_at[w] {
            self.fruitless[w] + 1
        } else {
            0
        };
        self.granted_at[w] = progress;
        if self.fruitless[w] < FRUITLESS_LIMIT
            && sys::task_stop(task).is_ok()
            && sys::task_start(task).is_ok()
        {
            STATS.note(&STATS.restarts);
            return Ok(());
        }
        self.remove(w);
        STATS.note(&STATS.replaced);
        self.spawn(w)
    }

    /// Destroys worker `w` and accounts for what it left: a call that never came back, a frame
    /// not yet in the record.
    fn remove(&mut self, w: usize) {
        let task = WORKER_SLOTS[w];
        let _ = sys::task_destroy(task);
        let _ = sys::cap_delete(task);
        // Spaces only it held go, and with them frames only they mapped.
        RELEASED.store(true, Relaxed);
        let outstanding = WORKER[w].outstanding.swap(0, AcqRel);
        if let Some(bucket) = (outstanding as usize).checked_sub(1) {
            STATS.count_result(bucket, UNFINISHED);
        }
        let frame = WORKER[w].new_frame.swap(NO_FRAME, AcqRel);
        if frame != NO_FRAME && FRAMES.position(frame).is_none() {
            FRAMES.push(frame);
        }
        ROLES[w].store(u64::MAX, Relaxed);
    }

    /// Destroys everything of the epoch and frees the workers' frames. Destroying the workers and
    /// the victim releases the capabilities they held, so whatever the workers created goes with
    /// them; what is left must then be the driver's alone.
    fn teardown(&mut self) {
        set_turn(None);
        (0..WORKERS).for_each(|w| self.remove(w));
        if self.privileged {
            let _ = sys::task_destroy(VICTIM);
            let _ = sys::cap_delete(VICTIM);
            ROLES[2].store(u64::MAX, Relaxed);
            match sys::as_destroy(SPACE) {
                Ok(()) | Err(SysError::StaleCap) => {}
                Err(e) => STATS.anomaly(format_args!(
                    "the scratch space outlived the workers and the victim: {e}"
                )),
            }
            let _ = sys::cap_delete(SPACE);
        }
        let _ = sys::endpoint_destroy(PAIR);
        let _ = sys::endpoint_destroy(DEAD);
        let _ = sys::notification_destroy(NOTE);
        [PAIR, BADGED, DEAD, NOTE].into_iter().for_each(|s| {
            let _ = sys::cap_delete(s);
        });
        // Every space is gone (`remove` set `RELEASED`): a frame is unmapped, or the kernel
        // released it with its last mapping (BadFrame); should a released frame be another
        // program's by now, it is mapped there (FrameInUse) and stays. init's census after the
        // run catches any frame really lost.
        while let Some(frame) = FRAMES.pop() {
            match sys::frame_free(slots::POOL, frame) {
                Ok(()) | Err(SysError::BadFrame | SysError::FrameInUse) => {}
                Err(e) => STATS.anomaly(format_args!("frame {frame:#x} cannot be freed: {e}")),
            }
        }
    }
}

/// Whether `task` can run (ready, or running on another CPU). (`task_activity` writes nothing into
/// the IPC buffer the workers share.)
fn runnable(task: CapSlot) -> bool {
    sys::task_activity(task) == Ok(userlib::abi::inspect::Activity::Ready)
}
