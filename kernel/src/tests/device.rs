//! Interrupt handlers and I/O ports: every decode error, the kernel's own lines and ports refused,
//! a line masked from when it fires until acknowledged, deleted notifications and handlers.
use super::notify::{create, signal};
use super::*;
use crate::irq;

const N: u64 = FREE;
const H: u64 = FREE + 1;
const P: u64 = FREE + 2;
/// The RTC's line and ports (the system test's device).
const LINE: u64 = 8;

fn handler(sim: &mut Sim, t: u16, line: u64, dst: u64) {
    sim.ok(t, Sysnum::IrqHandlerCreate, [SYSTEM, line, dst, 0, 0, 0]);
}

/// A handler for `LINE` in `H` bound to a notification in `N` of `t`.
fn bound(sim: &mut Sim, t: u16) {
    create(sim, t, N);
    handler(sim, t, LINE, H);
    sim.ok(t, Sysnum::IrqSetNotification, [H, N, 0, 0, 0, 0]);
}

/// The line fires, as the entry code handles it: masked, then delivered.
fn fire(sim: &mut Sim, line: u64) {
    assert!(!irq::handle(32 + line as u8), "not a timer tick");
    sim.k.deliver_irqs(irq::take_pending());
}

#[test]
fn irq_handler_create_checks_its_authority_line_and_slot() {
    let mut sim = Sim::new();
    let t = sim.task();
    use SysError::*;
    let create = Sysnum::IrqHandlerCreate;
    sim.fails(t, create, [POOL, LINE, H, 0, 0, 0], WrongKind);
    sim.share(t, SYSTEM, t, FREE + 5, Rights::all() - Rights::DEVICE);
    sim.fails(t, create, [FREE + 5, LINE, H, 0, 0, 0], MissingRights);
    sim.fails(t, create, [SYSTEM, 16, H, 0, 0, 0], InvalidArgument);
    sim.fails(t, create, [SYSTEM, u64::MAX, H, 0, 0, 0], InvalidArgument);
    sim.fails(t, create, [SYSTEM, 0, H, 0, 0, 0], InUse);
    sim.fails(t, create, [SYSTEM, 2, H, 0, 0, 0], InUse);
    sim.fails(t, create, [SYSTEM, LINE, POOL, 0, 0, 0], SlotOccupied);
    sim.fails(t, create, [SYSTEM, LINE, 64, 0, 0, 0], InvalidSlot);
    handler(&mut sim, t, LINE, H);
    sim.fails(t, create, [SYSTEM, LINE, H + 5, 0, 0, 0], InUse);
    assert!(irq::is_masked(LINE as u16), "masked until bound");
    assert!(sim.audit());
}

#[test]
fn a_bound_line_signals_stays_masked_until_acknowledged() {
    let mut sim = Sim::new();
    let (t, other) = (sim.task(), sim.task());
    use SysError::*;
    create(&mut sim, t, N);
    handler(&mut sim, t, LINE, H);
    let (set, ack) = (Sysnum::IrqSetNotification, Sysnum::IrqAck);
    sim.fails(t, ack, [H, 0, 0, 0, 0, 0], InvalidArgument);
    sim.fails(t, set, [N, N, 0, 0, 0, 0], WrongKind);
    sim.fails(t, set, [H, H, 0, 0, 0, 0], WrongKind);
    sim.share(t, N, t, N + 5, Rights::RECEIVE);
    sim.fails(t, set, [H, N + 5, 0, 0, 0, 0], MissingRights);
    sim.share(t, H, other, H, Rights::empty());
    sim.fails(other, ack, [H, 0, 0, 0, 0, 0], MissingRights);
    sim.ok(
        t,
        Sysnum::CapMint,
        [N, N + 6, Rights::all().bits(), 0b100, 0, 0],
    );
    sim.ok(t, set, [H, N + 6, 0, 0, 0, 0]);
    assert!(!irq::is_masked(LINE as u16), "bound: unmasked");
    sim.syscall(t, Sysnum::Wait, [N, 0, 0, 0, 0, 0]);
    fire(&mut sim, LINE);
    assert!(irq::is_masked(LINE as u16), "masked when it fired");
    let r = sim.regs(t);
    assert_eq!((sim.state(t), r.rax, r.rdi), (State::Ready, 0, 0b100));
    sim.ok(t, ack, [H, 0, 0, 0, 0, 0]);
    assert!(!irq::is_masked(LINE as u16), "acknowledged: unmasked");
    assert!(sim.audit());
}

#[test]
fn a_line_without_a_live_notification_is_masked_and_counted() {
    let mut sim = Sim::new();
    let t = sim.task();
    fire(&mut sim, 5);
    assert_eq!(sim.k.irqs_dropped, 1, "nobody handles line 5");
    assert!(irq::is_masked(5));
    bound(&mut sim, t);
    sim.ok(t, Sysnum::NotificationDestroy, [N, 0, 0, 0, 0, 0]);
    fire(&mut sim, LINE);
    assert_eq!(sim.k.irqs_dropped, 2, "its notification was destroyed");
    assert!(irq::is_masked(LINE as u16));
    sim.fails(t, Sysnum::IrqAck, [H, 0, 0, 0, 0, 0], SysError::StaleCap);
    assert!(
        irq::is_masked(LINE as u16),
        "no ack unmasks a line nobody hears"
    );
    assert!(sim.audit());
}

#[test]
fn the_handlers_last_capability_masks_and_frees_the_line() {
    let mut sim = Sim::new();
    let t = sim.task();
    bound(&mut sim, t);
    sim.ok(
        t,
        Sysnum::CapCopy,
        [H, H + 5, Rights::all().bits(), 0, 0, 0],
    );
    sim.ok(t, Sysnum::CapDelete, [H, 0, 0, 0, 0, 0]);
    assert!(!irq::is_masked(LINE as u16), "a copy is left");
    sim.ok(t, Sysnum::CapDelete, [H + 5, 0, 0, 0, 0, 0]);
    assert!(irq::is_masked(LINE as u16), "the last one went");
    assert!(
        sim.k.irq_handlers.at(LINE as u16).is_none(),
        "record cleared"
    );
    handler(&mut sim, t, LINE, H);
    sim.fails(
        t,
        Sysnum::IrqAck,
        [H, 0, 0, 0, 0, 0],
        SysError::InvalidArgument,
    );
    assert!(sim.audit());
}

#[test]
fn a_task_waiting_on_a_bound_notification_can_be_woken() {
    let mut sim = Sim::new();
    let (t, waiter) = (sim.task(), sim.task());
    create(&mut sim, t, N + 5);
    sim.share(t, N + 5, waiter, N + 5, Rights::all());
    sim.syscall(waiter, Sysnum::Wait, [N + 5, 0, 0, 0, 0, 0]);
    bound(&mut sim, t);
    assert!(
        !sim.k.irq_can_wake(),
        "a line targets N, nobody waits on it"
    );
    sim.share(t, N, waiter, N, Rights::all());
    sim.ok(t, Sysnum::NotificationDestroy, [N + 5, 0, 0, 0, 0, 0]);
    signal(&mut sim, t, N);
    assert_eq!(sim.ok(waiter, Sysnum::Poll, [N, 0, 0, 0, 0, 0]).rdi, 1);
    sim.syscall(waiter, Sysnum::Wait, [N, 0, 0, 0, 0, 0]);
    assert!(sim.k.irq_can_wake(), "the line can wake the waiter");
}

#[test]
fn spurious_interrupts_are_ignored_without_an_eoi() {
    let _sim = Sim::new();
    irq::unmask(7);
    let eois = irq::EOIS.load(core::sync::atomic::Ordering::Relaxed);
    assert!(!irq::handle(irq::SPURIOUS_VECTOR));
    assert!(!irq::pending() && !irq::is_masked(7), "no line fired");
    let after = irq::EOIS.load(core::sync::atomic::Ordering::Relaxed);
    assert_eq!(after, eois, "the APIC made it up: nothing to acknowledge");
    assert!(
        !irq::handle(crate::arch::percpu::IPI_VECTOR),
        "an IPI is no tick"
    );
    assert!(!irq::pending(), "nor a line");
    assert!(!irq::handle(32 + 7));
    assert_eq!(irq::take_pending(), 1 << 7, "a real interrupt");
    assert!(irq::handle(irq::TIMER_VECTOR), "a tick");
}

#[test]
fn io_port_create_refuses_the_kernels_ports_and_bad_ranges() {
    let mut sim = Sim::new();
    let t = sim.task();
    use SysError::*;
    let create = Sysnum::IoPortCreate;
    sim.fails(t, create, [POOL, 0x70, 2, P, 0, 0], WrongKind);
    sim.share(t, SYSTEM, t, FREE + 5, Rights::READ | Rights::CONTROL);
    sim.fails(t, create, [FREE + 5, 0x70, 2, P, 0, 0], MissingRights);
    sim.fails(t, create, [SYSTEM, 0x70, 0, P, 0, 0], InvalidArgument);
    sim.fails(t, create, [SYSTEM, 0xFFFF, 2, P, 0, 0], InvalidArgument);
    sim.fails(t, create, [SYSTEM, u64::MAX, 2, P, 0, 0], InvalidArgument);
    for (first, count) in [
        (0x20, 1),
        (0x3F0, 12), // up to COM1's line control
        (0x3FC, 1),  // COM1's modem control (OUT2, loopback)
        (0xF7, 1),
        (0x40, 4),
        (0, 0x10000),
        (0xCFC, 4),
    ] {
        sim.fails(t, create, [SYSTEM, first, count, P, 0, 0], InUse);
    }
    sim.fails(t, create, [SYSTEM, 0x70, 2, POOL, 0, 0], SlotOccupied);
    sim.ok(t, create, [SYSTEM, 0x70, 2, P, 0, 0]);
    // COM1's receive side is the serial driver's to have.
    sim.ok(t, create, [SYSTEM, 0x3F8, 3, FREE + 6, 0, 0]);
    sim.ok(t, create, [SYSTEM, 0x3FD, 1, FREE + 7, 0, 0]);
    assert!(sim.audit());
}

#[test]
fn io_in_and_out_stay_within_the_range_width_and_rights() {
    let mut sim = Sim::new();
    let t = sim.task();
    use SysError::*;
    sim.ok(t, Sysnum::IoPortCreate, [SYSTEM, 0x70, 2, P, 0, 0]);
    let (inp, out) = (Sysnum::IoIn, Sysnum::IoOut);
    assert_eq!(
        sim.ok(t, inp, [P, 0x71, 1, 0, 0, 0]).rdi,
        0x71,
        "the stub reads the port"
    );
    sim.ok(t, out, [P, 0x70, 2, 0xBEEF, 0, 0]);
    assert_eq!(
        *crate::arch::cpu::LAST_OUT.lock().unwrap(),
        (0x70, 2, 0xBEEF)
    );
    for (port, width) in [
        (0x6F, 1),
        (0x72, 1),
        (0x71, 2),
        (0x70, 4),
        (0x70, 3),
        (0x70, 0),
    ] {
        sim.fails(t, inp, [P, port, width, 0, 0, 0], InvalidArgument);
        sim.fails(t, out, [P, port, width, 0, 0, 0], InvalidArgument);
    }
    sim.fails(t, inp, [P, u64::MAX, 1, 0, 0, 0], InvalidArgument);
    sim.fails(t, out, [P, 0x70, 1, 0x100, 0, 0], InvalidArgument);
    sim.fails(t, inp, [SYSTEM, 0x70, 1, 0, 0, 0], WrongKind);
    sim.share(t, P, t, P + 5, Rights::READ);
    sim.ok(t, inp, [P + 5, 0x70, 1, 0, 0, 0]);
    sim.fails(t, out, [P + 5, 0x70, 1, 0, 0, 0], MissingRights);
    sim.share(t, P, t, P + 6, Rights::CONTROL);
    sim.fails(t, inp, [P + 6, 0x70, 1, 0, 0, 0], MissingRights);
    let info = sim.ok(t, Sysnum::CapInfo, [P, 0, 0, 0, 0, 0]);
    assert_eq!(
        (info.rdi, info.r10),
        (CapKind::IoPorts.raw(), 2 << 16 | 0x70)
    );
    assert!(sim.audit());
}

#[test]
fn a_task_killed_for_in_or_out_is_told_the_port() {
    let mut sim = Sim::new();
    let tasks = [sim.task(), sim.task(), sim.task()];
    // `in al, 0x71`; `out dx, ax` (operand-size prefix); `cli`: at the start of each IPC buffer.
    let code = [0x71E4, 0xEF66, 0xFA];
    let expected = [
        "in/out to port 0x71 without an I/O-port capability",
        "in/out to port 0x1234 without an I/O-port capability",
        "#GP general protection (vector 13) error=0x0",
    ];
    for ((t, code), what) in tasks.into_iter().zip(code).zip(expected) {
        sim.ipc_write(t, 0, code);
        crate::console::printed();
        let r = &mut sim.k.task(t).regs;
        (r.vector, r.error_code, r.rip, r.rdx) = (13, 0, IPC_BUFFER, 0xFFFF_1234);
        sim.k.user_exception(t, 0);
        let want = format!("kernel: task {t} (?) killed: {what} at rip={IPC_BUFFER:#x}\n");
        assert_eq!(crate::console::printed(), want);
    }
}
