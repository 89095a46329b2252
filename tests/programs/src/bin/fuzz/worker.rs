//! A worker: the task that makes the random calls. Two run in each mode, in the driver's address
//! space, each on its own stack. They take turns: only the one holding the turn draws a call and
//! records a result, and the turn moves only when its holder is stuck in the kernel (blocked,
//! stopped, gone), so the sequence of calls and results depends on the seed alone, not on when
//! the timer interrupts.
use crate::gen;
use crate::oracle;
use crate::shared::{
    has_turn, role_of, WorkerState, CALLS, CREATED, ENDPOINTS, EPOCH_DONE, EPOCH_END, FRAMES,
    NOTIFICATIONS, NO_FRAME, RELEASED, RNG, SEEN, SPACES, TASKS, WORKER, WORKERS,
};
use crate::stats::{result_code, STATS};
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use userlib::arch::{syscall_raw, SysOut};
use userlib::rng::Rng;
use userlib::{sys, MsgTag, Sysnum};

pub const STACK_SIZE: usize = 32 * 1024;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

/// The workers' stacks. No Rust code touches them except as the stack of the worker running on
/// one, so they are only ever named by address.
static mut STACKS: [Stack; WORKERS] = [const { Stack([0; STACK_SIZE]) }; WORKERS];

/// Worker `w`'s initial stack pointer: the top of its stack less the return-address slot a
/// function expects at entry (so `rsp + 8` is 16-byte aligned, as the System V ABI wants).
pub fn stack_top(w: usize) -> u64 {
    let stacks = &raw mut STACKS;
    stacks as u64 + ((w % WORKERS + 1) * STACK_SIZE) as u64 - 8
}

/// Where a worker starts (its `rdi` is its index).
pub fn entry_point() -> u64 {
    let entry: extern "C" fn(u64) -> ! = entry;
    entry as usize as u64
}

extern "C" fn entry(me: u64) -> ! {
    let me = me as usize % WORKERS;
    let state = &WORKER[me];
    loop {
        wait_turn(me);
        if CALLS.load(Relaxed) >= EPOCH_END.load(Relaxed) {
            EPOCH_DONE.store(true, Release);
            park();
        }
        let mut rng = Rng::new(RNG.load(Relaxed));
        let mut call = gen::next(&mut rng);
        gen::prepare(&mut call, &mut rng);
        RNG.store(rng.state(), Relaxed);
        CALLS.store(CALLS.load(Relaxed) + 1, Relaxed);
        STATS.count_call(call.bucket);
        state.outstanding.store(call.bucket as u64 + 1, Release);
        let out = syscall_raw(call.num, call.a, call.r12);
        if gives_frame(call.num) && out.rax == 0 {
            // Noted before anything else, so the frame is freed even if this worker dies now.
            state.new_frame.store(out.r[0], Release);
        }
        wait_turn(me);
        record(state, &call, &out);
        if out.rax == 0 && may_wake_others(call.num) {
            // Let whoever this woke run now, so that it has finished (a victim that faults at
            // once, a worker back from its call) before this worker's next call, in every run.
            sys::yield_now();
        }
    }
}

fn wait_turn(me: usize) {
    while !has_turn(me) {
        sys::yield_now();
    }
}

/// After the epoch's last call: the driver destroys the worker.
fn park() -> ! {
    loop {
        sys::yield_now();
    }
}

/// Calls that return a frame the workers may now have to free: a new one, or one an unmap left
/// with no mapping.
fn gives_frame(num: u64) -> bool {
    use Sysnum::*;
    matches!(
        Sysnum::from_raw(num),
        Some(FrameAlloc | AsAlloc | AsCopy | AsUnmap)
    )
}

/// Calls whose success may return frames to the free list (see `RELEASED`).
fn may_release(num: u64) -> bool {
    use Sysnum::*;
    matches!(
        Sysnum::from_raw(num),
        Some(AsUnmap | AsCopy | AsDestroy | CapDelete | TaskDestroy | EndpointDestroy)
    )
}

fn may_wake_others(num: u64) -> bool {
    use Sysnum::*;
    matches!(
        Sysnum::from_raw(num),
        Some(
            Send | Recv
                | Call
                | CallTimeout
                | Reply
                | ReplyRecv
                | TaskStart
                | TaskStop
                | TaskDestroy
                | CapDelete
                | EndpointDestroy
                | AsDestroy
                | Signal
                | NotificationDestroy
        )
    )
}

fn record(state: &WorkerState, call: &gen::RawCall, out: &SysOut) {
    let code = result_code(out.rax);
    STATS.count_result(call.bucket, code);
    oracle::check(call, out, code);
    if out.rax == 0 {
        succeeded(state, call, out);
    }
    state.outstanding.store(0, Release);
    state
        .progress
        .store(state.progress.load(Acquire) + 1, Release);
}

fn created(kind: usize) {
    CREATED[kind].store(CREATED[kind].load(Relaxed) + 1, Relaxed);
}

/// A frame number for the checksum: its place in the record, since numbers differ between runs.
fn canonical_frame(frame: u64) -> u64 {
    FRAMES.position(frame).map_or(frame, |i| 1 << 62 | i as u64)
}

/// Keeps track of what a successful call gave or took, and checks it.
fn succeeded(state: &WorkerState, call: &gen::RawCall, out: &SysOut) {
    let Some(sysnum) = Sysnum::from_raw(call.num) else {
        return;
    };
    let r = &out.r;
    use Sysnum::*;
    if may_release(call.num) {
        RELEASED.store(true, Relaxed);
    }
    match sysnum {
        FrameAlloc | AsAlloc | AsCopy => {
            if FRAMES.position(r[0]).is_some() {
                // Unless the kernel released it since it was recorded.
                if !RELEASED.load(Relaxed) {
                    STATS.anomaly(format_args!("frame {:#x} handed out twice", r[0]));
                }
            } else if !FRAMES.push(r[0]) {
                STATS.anomaly(format_args!("frame record full"));
            }
            state.new_frame.store(NO_FRAME, Release);
            STATS.mix(FRAMES.len() as u64);
        }
        FrameFree if !FRAMES.remove(call.a[1]) => STATS.anomaly(format_args!(
            "FrameFree({:#x}) succeeded, but no worker had that frame",
            call.a[1]
        )),
        AsMap if FRAMES.position(call.a[2]).is_none() => STATS.anomaly(format_args!(
            "AsMap of frame {:#x} succeeded, but no worker had that frame",
            call.a[2]
        )),
        AsUnmap => {
            STATS.mix(canonical_frame(r[0]));
            // Perhaps a copy no worker had, now with no mapping: the driver frees it.
            if FRAMES.position(r[0]).is_none() && !FRAMES.push(r[0]) {
                STATS.anomaly(format_args!("frame record full"));
            }
            state.new_frame.store(NO_FRAME, Release);
        }
        AsShare => STATS.mix(r[0]),
        AsQuery => {
            STATS.mix(canonical_frame(r[0]));
            STATS.mix(r[1]);
        }
        CapInfo => {
            STATS.mix(r[0] << 32 ^ r[1]);
            STATS.mix(r[2]);
        }
        TaskSelf => {
            SEEN.push(r[1]);
            STATS.mix(role_of(r[1]));
        }
        TaskCreate => {
            SEEN.push(r[0]);
            created(TASKS);
        }
        AsCreate => created(SPACES),
        EndpointCreate => created(ENDPOINTS),
        NotificationCreate => created(NOTIFICATIONS),
        // A wait returns only with bits, and a notified receive carries them as its badge.
        Wait if r[0] == 0 => STATS.anomaly(format_args!("Wait returned no bits")),
        Wait | Poll => STATS.mix(r[0]),
        Recv | ReplyRecv if MsgTag(r[1]).notified() && (r[0] == 0 || out.r12 != u64::MAX) => STATS
            .anomaly(format_args!(
                "a notified receive without bits, or with a sender"
            )),
        Recv | ReplyRecv | Call | CallTimeout => {
            let tag = MsgTag(r[1]);
            STATS.mix(r[0]);
            STATS.mix(tag.0);
            // Kernel messages (faults) carry task indices, which differ between runs.
            if !tag.from_kernel() {
                r[2..].iter().for_each(|&w| STATS.mix(w));
            }
            if !matches!(sysnum, Call | CallTimeout) {
                SEEN.push(out.r12);
                STATS.mix(role_of(out.r12));
            }
        }
        _ => {}
    }
}
