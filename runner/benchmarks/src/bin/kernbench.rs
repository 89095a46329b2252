//! Measures kernel mechanisms that need helper tasks, from a pool holder (init's `POOL_HOLDERS`)
//! that runs helpers in its own address space: a fault delivered to a handler and resumed (a
//! helper's `int3`, reported to us as its fault handler; we reply and it carries on), mapping and
//! unmapping one page, and an IPC round trip with a helper as the number of live tasks grows to
//! the task table's size (idle helpers blocked in a receive), and a notification signal → wait
//! round trip with a helper that waits and signals back; and, as a device holder (init's
//! `DEVICE_HOLDERS`), an interrupt's way to a driver helper waiting on its line. Prints `bench: KEY TICKS` lines
//! (medians; guest instructions under --icount), which `make bench` collects.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use userlib::ipc::message;
use userlib::{
    println, rdtsc_ordered, slots, sys, AddressSpace, CapSlot, Endpoint, IoPorts, IrqHandler,
    PageRights, Rights, SysError, System, Task, UserRegs,
};

userlib::entry!(main);

type R<T> = Result<T, SysError>;

const SAMPLES: usize = 1000;
/// The kernel's task table (`MAX_TASKS`): `TaskCreate` fails with `OutOfMemory` beyond it.
const TASK_TABLE: usize = 64;
const WARMUP: usize = 100;
/// Endpoints: helpers' faults arrive on `FAULTS`; the echo helper serves `ECHO`; idle helpers
/// wait on `IDLE`, where nobody ever sends.
const FAULTS: CapSlot = CapSlot(8);
const ECHO: CapSlot = CapSlot(9);
const IDLE: CapSlot = CapSlot(10);
/// The notifications of the round trip: the helper waits on `PING`, we on `PONG`.
const PING: CapSlot = CapSlot(15);
const PONG: CapSlot = CapSlot(16);
const RINGER: CapSlot = CapSlot(17);
/// The fault helper's and the echo helper's task capabilities.
const FAULTER: CapSlot = CapSlot(11);
const ECHOER: CapSlot = CapSlot(12);
/// The newest idle helper (each holds the capability to the one before: see `fill`).
const NEWEST: CapSlot = CapSlot(13);
const SPARE: CapSlot = CapSlot(14);
/// Where the map+unmap figure maps its page in our own space (nothing else lives there).
const SCRATCH_PAGE: u64 = 0x0000_2000_0000_0000;
/// In a helper's table: the endpoint it uses and the idle helper before it.
const HELPER_EP: CapSlot = CapSlot(1);
const HELPER_PREVIOUS: CapSlot = CapSlot(2);

static TIMES: [AtomicU64; WARMUP + SAMPLES] = [const { AtomicU64::new(0) }; WARMUP + SAMPLES];

const STACK_BYTES: usize = 16 * 1024;
#[repr(C, align(16))]
struct Stack([u8; STACK_BYTES]);
/// Stacks: 0 the fault helper, 1 the echo helper, 2 every idle helper (each runs once, until it
/// blocks for good, so they can share one), 3 the notification helper.
static mut STACKS: [Stack; 4] = [const { Stack([0; STACK_BYTES]) }; 4];

fn stack_top(n: usize) -> u64 {
    core::ptr::addr_of!(STACKS) as u64 + ((n + 1) * STACK_BYTES) as u64 - 8
}

/// The median of the samples in `TIMES` after the warm-up.
fn median() -> u64 {
    let mut times = [0u64; SAMPLES];
    for (t, slot) in times.iter_mut().zip(&TIMES[WARMUP..]) {
        *t = slot.load(Relaxed);
    }
    times.sort_unstable();
    times[SAMPLES / 2]
}

/// `r`, saying which step failed if it did.
fn step<T>(r: R<T>, what: &str) -> R<T> {
    if let Err(e) = &r {
        println!("kernbench: {what}: {e}");
    }
    r
}

fn report(key: &str, what: &str, ticks: u64) {
    println!("bench: {key} {ticks}: {what}");
}

/// A stopped helper in our own space in `slot`, to run `job` on stack `stack`.
fn helper(slot: CapSlot, stack: usize, job: extern "C" fn() -> !) -> R<Task> {
    let (task, _) = AddressSpace(slots::SELF_SPACE).create_task(slot)?;
    task.set_name("kernbench-helper")?;
    let regs = UserRegs {
        rip: job as usize as u64,
        rsp: stack_top(stack),
        rflags: 0x202,
        ..UserRegs::default()
    };
    task.write_regs(&regs)?;
    Ok(task)
}

/// The fault helper: times `int3` (a trap: the handler's reply resumes after it), then exits.
extern "C" fn faulter() -> ! {
    for slot in &TIMES {
        let t0 = rdtsc_ordered();
        // SAFETY: `int3` only traps; our fault handler (main) replies and we go on after it.
        unsafe { core::arch::asm!("int3") };
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
    }
    sys::exit(0)
}

/// Fault → handler → resume: we handle the fault helper's breakpoints until it exits.
fn fault_round_trip() -> R<u64> {
    let task = helper(FAULTER, 0, faulter)?;
    task.set_fault(Endpoint(FAULTS))?;
    task.start()?;
    let faults = Endpoint(FAULTS);
    let mut next = faults.recv();
    loop {
        let fault = next?;
        if !fault.from_kernel() || fault.label() != userlib::abi::msg::fault::EXCEPTION {
            break;
        }
        next = faults.reply_recv(fault.sender, &message(0, &[]));
    }
    task.destroy()?;
    task.delete()?;
    Ok(median())
}

/// AsMap of one frame into our own space, then AsUnmap (the frame stays ours). A neighbour page
/// stays mapped, so the page tables stay (as seL4's figure assumes).
fn map_unmap() -> R<u64> {
    let neighbour = SCRATCH_PAGE + 4096;
    sys::as_alloc(slots::SELF_SPACE, slots::POOL, neighbour, PageRights::WRITE)?;
    let frame = sys::frame_alloc(slots::POOL)?;
    for slot in &TIMES {
        let t0 = rdtsc_ordered();
        sys::as_map(
            slots::SELF_SPACE,
            slots::POOL,
            frame,
            SCRATCH_PAGE,
            PageRights::WRITE,
        )?;
        sys::as_unmap(slots::SELF_SPACE, SCRATCH_PAGE)?;
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
    }
    sys::frame_free(slots::POOL, frame)?;
    sys::as_release(slots::SELF_SPACE, neighbour)?;
    Ok(median())
}

/// The echo helper: replies to every call on its endpoint with the same message.
extern "C" fn echoer() -> ! {
    let _ = Endpoint(HELPER_EP).serve(|request| request.msg);
    sys::exit(1)
}

/// An idle helper: waits on an endpoint nobody sends to (until it is destroyed).
extern "C" fn idler() -> ! {
    let _ = sys::recv(HELPER_EP);
    sys::exit(1)
}

/// The median round trip of a call to the echo helper.
fn echo_round_trip() -> R<u64> {
    for (i, slot) in TIMES.iter().enumerate() {
        let t0 = rdtsc_ordered();
        let reply = Endpoint(ECHO).call(&message(1, &[i as u64]))?;
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
        if reply.words[0] != i as u64 {
            return Err(SysError::InvalidArgument);
        }
    }
    Ok(median())
}

/// Starts idle helpers until the task table is full; returns how many. Each new helper holds the
/// capability to the one before, and we hold only the newest (`NEWEST`), so deleting that one
/// reclaims them all.
fn fill() -> R<usize> {
    let mut count = 0;
    loop {
        let task = match helper(SPARE, 2, idler) {
            Ok(task) => task,
            Err(SysError::OutOfMemory) => break,
            Err(e) => return Err(e),
        };
        task.give_cap(IDLE, HELPER_EP, Rights::RECEIVE)?;
        task.start()?;
        if count > 0 {
            task.give_cap(NEWEST, HELPER_PREVIOUS, Rights::all())?;
            sys::cap_delete(NEWEST)?;
        }
        sys::cap_copy(SPARE, NEWEST, Rights::all())?;
        sys::cap_delete(SPARE)?;
        // Let it run into its receive (it shares a stack: one at a time).
        sys::yield_now();
        count += 1;
    }
    Ok(count)
}

/// IPC round trips with 4 tasks alive (the pair, init and the memory server), 16, and the task
/// table full.
fn scaling() -> R<()> {
    sys::endpoint_create(slots::POOL, ECHO)?;
    sys::endpoint_create(slots::POOL, IDLE)?;
    let echo = helper(ECHOER, 1, echoer)?;
    echo.give_cap(ECHO, HELPER_EP, Rights::RECEIVE)?;
    echo.start()?;
    let alone = step(echo_round_trip(), "round trips, few tasks")?;
    let added = step(fill(), "filling the task table")?;
    let full = step(echo_round_trip(), "round trips, the table full")?;
    // Everything else alive: the table's size less what we added and the two of us.
    let before = TASK_TABLE - added;
    step(sys::cap_delete(NEWEST), "deleting the idle helpers")?;
    let mut sixteen = 0;
    for _ in 0..16usize.saturating_sub(before) {
        let task = helper(SPARE, 2, idler)?;
        task.give_cap(IDLE, HELPER_EP, Rights::RECEIVE)?;
        task.start()?;
        sys::yield_now();
        sys::cap_copy(SPARE, CapSlot(20 + sixteen), Rights::all())?;
        sys::cap_delete(SPARE)?;
        sixteen += 1;
    }
    let at_sixteen = step(echo_round_trip(), "round trips, 16 tasks")?;
    for i in 0..sixteen {
        sys::cap_delete(CapSlot(20 + i))?;
    }
    println!("kernbench: {before} tasks alive before the idle helpers");
    report(
        "ipc_rt_tasks_few",
        "IPC round trip between two tasks of one space, few tasks alive",
        alone,
    );
    report("ipc_rt_tasks_16", "the same, 16 tasks alive", at_sixteen);
    report(
        "ipc_rt_tasks_64",
        "the same, 64 tasks alive (the task table full)",
        full,
    );
    echo.destroy()?;
    echo.delete()?;
    sys::endpoint_destroy(ECHO)?;
    sys::endpoint_destroy(IDLE)?;
    sys::cap_delete(ECHO)?;
    sys::cap_delete(IDLE)
}

/// The notification helper: waits on its notification (slot 1), signals ours (slot 2), forever.
extern "C" fn ringer() -> ! {
    while sys::wait(HELPER_EP).is_ok() {
        let _ = sys::signal(HELPER_PREVIOUS);
    }
    // Done: wait until we are destroyed.
    while sys::wait(HELPER_EP).is_ok() {}
    sys::exit(1)
}

/// Signal the helper's notification, wait on ours until it signals back.
fn notify_round_trip() -> R<u64> {
    let ping = userlib::FramePool(slots::POOL).create_notification(PING)?;
    let pong = userlib::FramePool(slots::POOL).create_notification(PONG)?;
    let task = helper(RINGER, 3, ringer)?;
    task.give_cap(PING, HELPER_EP, Rights::RECEIVE)?;
    task.give_cap(PONG, HELPER_PREVIOUS, Rights::SEND)?;
    task.start()?;
    for slot in &TIMES {
        let t0 = rdtsc_ordered();
        ping.signal()?;
        pong.wait()?;
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
    }
    task.destroy()?;
    task.delete()?;
    for n in [ping, pong] {
        n.destroy()?;
        n.delete()?;
    }
    Ok(median())
}

/// The keyboard controller (i8042): data and command ports; command 0xD2 makes the next data
/// byte arrive as if the keyboard sent it, raising IRQ 1 (with interrupts on in its config byte).
const KBD_DATA: u16 = 0x60;
const KBD_COMMAND: u16 = 0x64;
const KBD_LINE: u64 = 1;
const IRQ_NOTE: CapSlot = CapSlot(18);
const IRQ_DONE: CapSlot = CapSlot(19);
const IRQ_LINE: CapSlot = CapSlot(20);
const IRQ_PORTS: CapSlot = CapSlot(21);
/// In the driver helper's table: its line and ports (beside `HELPER_EP`, `HELPER_PREVIOUS`).
const HELPER_LINE: CapSlot = CapSlot(3);
const HELPER_PORTS: CapSlot = CapSlot(4);
/// When the interrupt was raised (just before the `IoOut` that raises it).
static RAISED: AtomicU64 = AtomicU64::new(0);

/// The driver helper: waits for the keyboard's interrupt, times its wake-up, takes the byte,
/// acknowledges the line and tells us.
extern "C" fn driver() -> ! {
    let ports = IoPorts(HELPER_PORTS);
    for slot in &TIMES {
        if sys::wait(HELPER_EP).is_err() {
            break;
        }
        slot.store(rdtsc_ordered().wrapping_sub(RAISED.load(Relaxed)), Relaxed);
        let _ = ports.inb(KBD_DATA);
        let _ = IrqHandler(HELPER_LINE).ack();
        let _ = sys::signal(HELPER_PREVIOUS);
    }
    // Done: wait until we are destroyed.
    while sys::wait(HELPER_EP).is_ok() {}
    sys::exit(1)
}

/// Interrupt → driver woken: we make the keyboard controller raise IRQ 1; a helper waiting on the
/// line's notification times when it runs.
fn irq_wakeup() -> R<u64> {
    let system = System(slots::DEVICE);
    let ports = system.io_ports(
        KBD_DATA,
        KBD_COMMAND as u64 - KBD_DATA as u64 + 1,
        IRQ_PORTS,
    )?;
    let line = system.irq_handler(KBD_LINE, IRQ_LINE)?;
    let note = userlib::FramePool(slots::POOL).create_notification(IRQ_NOTE)?;
    let done = userlib::FramePool(slots::POOL).create_notification(IRQ_DONE)?;
    ports.outb(KBD_COMMAND, 0x20)?; // read the config byte
    let config = ports.inb(KBD_DATA)?;
    ports.outb(KBD_COMMAND, 0x60)?; // write it, with the keyboard's interrupt on
    ports.outb(KBD_DATA, config | 1)?;
    line.set_notification(note)?;
    let task = helper(RINGER, 3, driver)?;
    task.give_cap(IRQ_NOTE, HELPER_EP, Rights::RECEIVE)?;
    task.give_cap(IRQ_DONE, HELPER_PREVIOUS, Rights::SEND)?;
    task.give_cap(IRQ_LINE, HELPER_LINE, Rights::all())?;
    task.give_cap(IRQ_PORTS, HELPER_PORTS, Rights::all())?;
    task.start()?;
    for _ in &TIMES {
        ports.outb(KBD_COMMAND, 0xD2)?;
        RAISED.store(rdtsc_ordered(), Relaxed);
        ports.outb(KBD_DATA, 0x1C)?;
        done.wait()?;
    }
    ports.outb(KBD_COMMAND, 0x60)?;
    ports.outb(KBD_DATA, config)?;
    task.destroy()?;
    task.delete()?;
    for n in [note, done] {
        n.destroy()?;
        n.delete()?;
    }
    line.delete()?;
    ports.delete()?;
    Ok(median())
}

fn run() -> R<()> {
    report(
        "irq_wake",
        "interrupt → driver woken (IoOut raising IRQ 1, the kernel's signal, the switch)",
        step(irq_wakeup(), "interrupt wake-ups")?,
    );
    report(
        "notify_rt",
        "notification signal → wait round trip between two tasks",
        step(notify_round_trip(), "notification round trips")?,
    );
    sys::endpoint_create(slots::POOL, FAULTS)?;
    let fault = fault_round_trip()?;
    report(
        "fault_rt",
        "fault (int3) delivered to a handler and resumed",
        fault,
    );
    sys::endpoint_destroy(FAULTS)?;
    sys::cap_delete(FAULTS)?;
    report(
        "map_unmap",
        "AsMap + AsUnmap of one page (the frame kept)",
        map_unmap()?,
    );
    scaling()
}

fn main() -> i32 {
    println!("kernbench: units are TSC ticks: guest instructions under --icount, cycles otherwise");
    match run() {
        Ok(()) => 0,
        Err(e) => {
            println!("kernbench: failed: {e}");
            1
        }
    }
}
