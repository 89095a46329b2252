//! One random call: which syscall (weighted, numbers no syscall has included), its arguments (from
//! `values`), and what goes into the IPC buffer first.
use crate::shared::{
    budget_left, ENDPOINTS, FRAMES, FRAME_CAP, NOTIFICATIONS, SPACES, TASKS, WORKERS,
};
use crate::stats::{BUCKETS, INVALID};
use crate::values::{self, wslot, PLAYGROUND};
use userlib::abi::msg::{MAX_CAPS, MAX_WORDS};
use userlib::arch::{ipc_buffer_write, syscall_raw};
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, USER_END, USER_TOP};
use userlib::rng::Rng;
use userlib::{CapKind, Sysnum, UserRegs};

/// A syscall to make: `rax`, the six argument registers and `r12`.
#[derive(Clone, Copy, Debug)]
pub struct RawCall {
    pub num: u64,
    /// The statistics bucket: the syscall number, or `INVALID`.
    pub bucket: usize,
    pub a: [u64; 6],
    pub r12: u64,
}

/// How often each bucket is drawn (syscall numbers in order, then invalid numbers), per 10,000
/// (checked below).
/// `Exit` ends the worker (the kernel prints a line), so it is rare; `TaskStart` usually starts
/// the victim, which faults at once, so it is rare too.
const WEIGHTS: [u64; BUCKETS] = [
    130, // DebugWrite
    150, // Yield
    200, // TaskSelf
    1,   // Exit
    370, // Send
    400, // Recv
    420, // Call
    370, // Reply
    420, // ReplyRecv
    340, // CapCopy
    370, // CapMint
    350, // CapDelete
    350, // CapInfo
    350, // FrameAlloc
    350, // FrameFree
    200, // AsCreate
    390, // AsMap
    350, // AsUnmap
    300, // AsProtect
    300, // AsQuery
    100, // AsDestroy
    200, // TaskCreate
    200, // TaskReadRegs
    200, // TaskWriteRegs
    30,  // TaskStart
    100, // TaskStop
    60,  // TaskDestroy
    200, // TaskSetFault
    300, // TaskGiveCap
    200, // EndpointCreate
    100, // Shutdown
    100, // FrameCensus
    60,  // EndpointDestroy
    200, // TaskSetName
    250, // AsAlloc
    150, // AsShare
    150, // AsCopy
    100, // FrameStates
    100, // TaskCaps
    50,  // CallTimeout
    50,  // AsPages
    100, // NotificationCreate
    150, // Signal
    100, // Wait
    100, // Poll
    80,  // NotificationBind
    50,  // NotificationDestroy
    40,  // IrqHandlerCreate
    40,  // IrqSetNotification
    40,  // IrqAck
    40,  // IoPortCreate
    40,  // IoIn
    40,  // IoOut
    30,  // DeviceFramesCreate
    30,  // AsMapDevice
    60,  // TaskSetAffinity
    49,  // invalid numbers
];

const TOTAL: u64 = {
    let mut sum = 0;
    let mut i = 0;
    while i < BUCKETS {
        sum += WEIGHTS[i];
        i += 1;
    }
    sum
};
const _: () = assert!(TOTAL == 10_000);

/// The first number past the last syscall.
const PAST: u64 = INVALID as u64;

/// Numbers no syscall has: just past the last, far past, and ones whose low 32 bits are a real
/// syscall (the fast-path numbers too), should the kernel ever compare only `eax`.
const INVALID_NUMBERS: [u64; 19] = [
    PAST,
    PAST + 1,
    PAST + 2,
    PAST + 3,
    PAST + 4,
    PAST + 5,
    PAST + 6,
    64,
    255,
    0x8000_0000,
    1 << 32,
    (1 << 32) | 2,
    (1 << 32) | 6,
    (1 << 32) | 8,
    (1 << 32) | 13,
    1 << 63,
    (1 << 63) | 6,
    u64::MAX - 1,
    u64::MAX,
];

/// Where the worker's `rip` may be set by `TaskWriteRegs`: never code of the driver's image
/// (both workers run in the driver's address space, and one may come to hold a capability to the
/// other), only addresses that fault at once there (unmapped, not executable) or are refused.
const SAFE_RIPS: [u64; 13] = [
    0,
    PAGE_SIZE,
    CONSOLE,
    IPC_BUFFER,
    PLAYGROUND,
    PLAYGROUND + 0x20_0000,
    USER_TOP - PAGE_SIZE,
    USER_TOP - 1,
    USER_TOP,
    USER_END,
    0xFFFF_8000_0000_0000,
    0xFFFF_FFFF_8000_0000,
    u64::MAX,
];

const ENDPOINT_SLOTS: [u64; 4] = [wslot::PAIR, wslot::BADGED, wslot::DEAD, wslot::SHARED];
/// The shared notification, the badged copy a worker may mint, and an endpoint (wrong kind).
const NOTIFICATION_SLOTS: [u64; 4] = [wslot::NOTE, wslot::NOTE, 9, wslot::PAIR];
const MINT_SLOTS: [u64; 5] = [wslot::PAIR, wslot::BADGED, wslot::DEAD, wslot::NOTE, 9];
const RECEIVE_SLOTS: [u64; 3] = [wslot::PAIR, wslot::SHARED, wslot::DEAD];
const TASK_SLOTS: [u64; 2] = [wslot::VICTIM, wslot::SELF];

fn pick_bucket(rng: &mut Rng) -> usize {
    let mut x = rng.below(TOTAL);
    for (i, &w) in WEIGHTS.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    INVALID
}

/// A destination slot for a new object of `kind`, or a slot no object can go to once the
/// epoch's budget for that kind is spent.
fn new_object_slot(rng: &mut Rng, kind: usize) -> u64 {
    if budget_left(kind) {
        values::dst_slot(rng)
    } else {
        values::bad_slot(rng)
    }
}

/// Draws the next call.
pub fn next(rng: &mut Rng) -> RawCall {
    use values::{page, page_rights, rights, slot, slot_of, word};
    let bucket = pick_bucket(rng);
    let num = if bucket == INVALID {
        rng.pick(&INVALID_NUMBERS)
    } else {
        bucket as u64
    };
    // Arguments a call does not use are zero or junk: the kernel must ignore them.
    let mut a = if rng.one_in(4) {
        core::array::from_fn(|_| values::any(rng))
    } else {
        [0; 6]
    };
    let mut r12 = if rng.one_in(8) { values::any(rng) } else { 0 };
    let Some(sysnum) = Sysnum::from_raw(num) else {
        return RawCall {
            num,
            bucket,
            a,
            r12,
        };
    };
    use Sysnum::*;
    match sysnum {
        DebugWrite => a[..2].copy_from_slice(&[values::pointer(rng), values::length(rng)]),
        Yield | TaskSelf => {}
        Exit => a[0] = values::any(rng),
        Send | Call | CallTimeout => {
            a[0] = slot_of(rng, &ENDPOINT_SLOTS);
            a[1] = values::tag(rng);
            a[2..].copy_from_slice(&[word(rng), word(rng), word(rng), word(rng)]);
        }
        Recv => a[0] = slot_of(rng, &RECEIVE_SLOTS),
        Reply | ReplyRecv => {
            a[0] = slot_of(rng, &RECEIVE_SLOTS);
            a[1] = values::tag(rng);
            a[2..].copy_from_slice(&[word(rng), word(rng), word(rng), word(rng)]);
            r12 = if sysnum == ReplyRecv && rng.one_in(4) {
                u64::MAX
            } else {
                values::task_id(rng)
            };
        }
        CapCopy => a[..3].copy_from_slice(&[slot(rng), values::dst_slot(rng), rights(rng)]),
        CapMint => {
            a[0] = slot_of(rng, &MINT_SLOTS);
            a[1] = values::dst_slot(rng);
            a[2] = rights(rng);
            a[3] = values::badge(rng);
        }
        CapDelete | CapInfo | FrameCensus => a[0] = slot(rng),
        FrameAlloc => a[0] = frame_pool(rng),
        FrameFree => a[..2].copy_from_slice(&[slot_of(rng, &[wslot::POOL]), values::frame(rng)]),
        AsCreate => {
            a[0] = slot_of(rng, &[wslot::POOL]);
            a[1] = new_object_slot(rng, SPACES);
        }
        AsMap => {
            a[0] = slot_of(rng, &[wslot::SPACE]);
            a[1] = slot_of(rng, &[wslot::POOL]);
            a[2] = values::frame(rng);
            a[3] = page(rng);
            a[4] = page_rights(rng);
        }
        AsQuery => a[..2].copy_from_slice(&[slot_of(rng, &[wslot::SPACE]), page(rng)]),
        AsUnmap => {
            // It may leave a frame no worker has (a copy): it is recorded, so it needs room too.
            a[0] = if room_for_frames() {
                slot_of(rng, &[wslot::SPACE])
            } else {
                values::bad_slot(rng)
            };
            a[1] = page(rng);
            a[2] = values::unmap_flags(rng);
        }
        AsAlloc | AsCopy => {
            a[0] = slot_of(rng, &[wslot::SPACE]);
            a[1] = frame_pool(rng);
            a[2] = page(rng);
            a[3] = page_rights(rng);
        }
        AsShare => {
            a[0] = slot_of(rng, &[wslot::SPACE]);
            // Where the spaces the workers create usually are (and the scratch space).
            a[1] = values::dst_slot(rng);
            (a[2], a[3]) = values::range(rng);
            a[4] = values::share_mode(rng);
            a[5] = slot_of(rng, &[wslot::POOL]);
        }
        AsProtect => {
            a[0] = slot_of(rng, &[wslot::SPACE]);
            a[1] = page(rng);
            a[2] = page_rights(rng);
        }
        AsDestroy => a[0] = slot_of(rng, &[wslot::SPACE]),
        AsPages => {
            a[0] = slot_of(rng, &[wslot::SPACE]);
            (a[1], a[2]) = values::range(rng);
        }
        FrameStates => a[..2].copy_from_slice(&[slot(rng), values::frame(rng)]),
        TaskCaps => a[..2].copy_from_slice(&[slot_of(rng, &TASK_SLOTS), values::any(rng)]),
        TaskCreate => {
            a[0] = slot_of(rng, &[wslot::SPACE]);
            a[1] = new_object_slot(rng, TASKS);
        }
        TaskReadRegs | TaskWriteRegs | TaskStop | TaskDestroy => a[0] = slot_of(rng, &TASK_SLOTS),
        // Moves the workers and their victims between CPUs (mostly valid masks, some not).
        TaskSetAffinity => {
            a[0] = slot_of(rng, &TASK_SLOTS);
            a[1] = if rng.percent(80) {
                rng.below(16)
            } else {
                values::any(rng)
            };
        }
        TaskStart => {
            a[0] = if rng.percent(70) {
                wslot::VICTIM
            } else {
                slot(rng)
            }
        }
        TaskSetFault => {
            a[0] = slot_of(rng, &TASK_SLOTS);
            a[1] = slot_of(rng, &ENDPOINT_SLOTS);
        }
        TaskGiveCap => {
            a[0] = slot_of(rng, &TASK_SLOTS);
            a[1] = slot(rng);
            a[2] = values::dst_slot(rng);
            a[3] = rights(rng);
        }
        EndpointCreate => {
            a[0] = slot_of(rng, &[wslot::POOL]);
            a[1] = new_object_slot(rng, ENDPOINTS);
        }
        NotificationCreate => {
            a[0] = slot_of(rng, &[wslot::POOL]);
            a[1] = new_object_slot(rng, NOTIFICATIONS);
        }
        Signal | Wait | Poll | NotificationBind => a[0] = slot_of(rng, &NOTIFICATION_SLOTS),
        NotificationDestroy => a[0] = slot(rng),
        IrqHandlerCreate => {
            a[0] = slot_of(rng, &[wslot::DEVICE]);
            a[1] = rng.pick(&[0, 2, 3, 5, 7, 8, 9, 15, 16, u64::MAX]);
            a[2] = values::dst_slot(rng);
        }
        IrqSetNotification => {
            a[..2].copy_from_slice(&[slot(rng), slot_of(rng, &NOTIFICATION_SLOTS)])
        }
        IrqAck => a[0] = slot(rng),
        IoPortCreate => {
            a[0] = slot_of(rng, &[wslot::DEVICE]);
            (a[1], a[2]) = values::port_range(rng);
            a[3] = values::dst_slot(rng);
        }
        IoIn | IoOut => {
            a[..2].copy_from_slice(&[slot(rng), values::port(rng)]);
            a[2] = rng.pick(&[1, 2, 4, 0, 3, 8]);
            a[3] = values::word(rng);
        }
        DeviceFramesCreate => {
            a[0] = slot_of(rng, &[wslot::DEVICE]);
            a[1] = rng.pick(&[0, 0, 1, u64::MAX]);
            a[2] = values::dst_slot(rng);
        }
        AsMapDevice => {
            a[..2].copy_from_slice(&[slot(rng), slot_of(rng, &[wslot::SPACE])]);
            a[2] = page(rng);
            a[3] = rng.pick(&[0, 1, 255, 4095, 1 << 20, u64::MAX]);
            a[4] = page_rights(rng);
        }
        Shutdown => a[..2].copy_from_slice(&[slot(rng), rng.pick(&[0, 1, 2, 3, u64::MAX])]),
        EndpointDestroy => a[0] = slot(rng),
        TaskSetName => {
            a[0] = slot_of(rng, &TASK_SLOTS);
            a[1] = name_word(rng);
            a[2] = name_word(rng);
        }
    }
    // Now and then one argument is anything at all (never a port range: see `values::port_range`).
    if rng.one_in(16) && num != IoPortCreate as u64 {
        a[rng.below(6) as usize] = values::any(rng);
    }
    RawCall {
        num,
        bucket,
        a,
        r12,
    }
}

/// Is there room in the frame record for one more frame per worker (each records a frame it is
/// given before its next call)?
fn room_for_frames() -> bool {
    FRAMES.len() + WORKERS < FRAME_CAP
}

/// The pool for a call that hands a worker a new frame, or a slot that holds none once the
/// frame record is nearly full.
fn frame_pool(rng: &mut Rng) -> u64 {
    if room_for_frames() {
        values::slot_of(rng, &[wslot::POOL])
    } else {
        values::bad_slot(rng)
    }
}

/// Eight bytes of a task name: text, text with a NUL inside, invalid UTF-8, or anything.
fn name_word(rng: &mut Rng) -> u64 {
    match rng.below(5) {
        0 => u64::from_le_bytes(*b"fuzzname"),
        1 => u64::from_le_bytes(*b"ab\0cdefg"),
        2 => u64::from_le_bytes([0xFF, 0xFE, b'x', 0, 0, 0, 0, 0]),
        3 => 0,
        _ => rng.next_u64(),
    }
}

const SEND_CAPS_AT: usize = MAX_WORDS;
const RECV_MASK_AT: usize = MAX_WORDS + MAX_CAPS;

/// Makes a drawn call safe for the fuzzer itself and fills the IPC buffer it reads.
pub fn prepare(call: &mut RawCall, rng: &mut Rng) {
    let Some(sysnum) = Sysnum::from_raw(call.num) else {
        return;
    };
    use Sysnum::*;
    match sysnum {
        Send | Call | CallTimeout | Recv | Reply | ReplyRecv => {
            for i in 0..MAX_CAPS {
                ipc_buffer_write(SEND_CAPS_AT + i, values::slot(rng));
            }
            let mask = match rng.below(10) {
                0..=2 => 0,
                3..=5 => rng.next_u64(),
                6..=7 => 1 << rng.below(64),
                _ => 0xFF00,
            };
            ipc_buffer_write(RECV_MASK_AT, mask);
            if sysnum == Recv && call.a[1] != 0 {
                // A timeout that could expire would race with the other worker's messages, and
                // a replay would differ: one far in the future (or none).
                call.a[1] |= 1 << 40;
            }
            if sysnum == CallTimeout && call.r12 != 0 {
                call.r12 |= 1 << 40; // (as for Recv)
            }
        }
        TaskWriteRegs => {
            let mut regs = UserRegs::from_words(&core::array::from_fn(|_| values::word(rng)));
            regs.rip = rng.pick(&SAFE_RIPS);
            let anywhere = rng.next_u64();
            regs.rsp = rng.pick(&[0, PLAYGROUND + PAGE_SIZE, USER_TOP, USER_END, anywhere]);
            for (i, w) in regs.to_words().into_iter().enumerate() {
                ipc_buffer_write(i, w);
            }
        }
        TaskGiveCap if !matches!(call.a[0], wslot::VICTIM | wslot::SELF) => {
            // A task capability may go only into a task the driver destroys itself (a worker or
            // the victim): one put into a task a worker created could make a cycle of tasks that
            // hold each other, which nothing would ever reclaim (see the module docs of main).
            let info = syscall_raw(Sysnum::CapInfo.raw(), [call.a[1], 0, 0, 0, 0, 0], 0);
            if info.rax == 0 && info.r[0] == CapKind::Task.raw() {
                call.a[1] = values::bad_slot(rng);
            }
        }
        CapDelete if wslot::protected(call.a[0]) => call.a[0] += wslot::FIRST_FREE,
        DebugWrite if !fails_to_read(call.a[0], call.a[1]) => {
            // Whatever a successful write printed would be noise in the log.
            call.a[1] = 0;
        }
        _ => {}
    }
}

/// Will `DebugWrite(ptr, len)` surely fail (so print nothing)? True when the range is empty,
/// too long, outside user space, or starts or ends in a page the driver's space never maps.
fn fails_to_read(ptr: u64, len: u64) -> bool {
    let unmapped = |addr: u64| {
        let page = addr & !(PAGE_SIZE - 1);
        (page < 0x100_0000 && page != CONSOLE)
            || (PLAYGROUND..PLAYGROUND + (1 << 44)).contains(&page)
            || (IPC_BUFFER + PAGE_SIZE..USER_END).contains(&page)
    };
    match ptr.checked_add(len) {
        _ if len == 0 => false,
        None => true,
        Some(end) => len > PAGE_SIZE || end > USER_END || unmapped(ptr) || unmapped(end - 1),
    }
}
