//! Interrupt lines and I/O ports misused by a device holder (init gives rogue the system
//! capability with `DEVICE`): the kernel's lines and ports, ranges that wrap or overlap the
//! kernel's, a second handler for a line, an acknowledgement after the notification went,
//! accesses outside the range or wider than the port; a handler deleted while bound.
use test_programs::hostile::case::{check, refusal, survival, works, Case, Checked};
use userlib::SysError::*;
use userlib::{slots, sys, CapSlot, FramePool, IrqHandler, System};

const POOL: FramePool = FramePool(slots::POOL);
const SYSTEM: System = System(slots::DEVICE);
const LINE: CapSlot = CapSlot(20);
const OTHER: CapSlot = CapSlot(21);
const NOTE: CapSlot = CapSlot(22);
const PORTS: CapSlot = CapSlot(23);
/// Lines no device QEMU emulates here raises (COM2's, LPT2's, a free one): one per case, as
/// cases run side by side and a line has one handler.
const QUIET_LINES: [u64; 3] = [3, 5, 10];

pub const CASES: &[Case] = &[
    refusal(140, "a handler for the timer's line", InUse, || {
        SYSTEM.irq_handler(0, LINE).map(drop)
    }),
    refusal(141, "ports overlapping the master PIC", InUse, || {
        SYSTEM.io_ports(0x1F, 2, PORTS).map(drop)
    }),
    refusal(142, "ports wrapping past 0xFFFF", InvalidArgument, || {
        SYSTEM.io_ports(0xFFF0, 0x20, PORTS).map(drop)
    }),
    refusal(143, "a second handler for a line", InUse, || {
        SYSTEM.irq_handler(QUIET_LINES[0], LINE)?;
        SYSTEM.irq_handler(QUIET_LINES[0], OTHER).map(drop)
    }),
    refusal(
        144,
        "acknowledge after the notification went",
        StaleCap,
        || {
            let line = SYSTEM.irq_handler(QUIET_LINES[1], LINE)?;
            let note = POOL.create_notification(NOTE)?;
            line.set_notification(note)?;
            note.destroy()?;
            line.ack()
        },
    ),
    refusal(
        145,
        "write a value wider than the port",
        InvalidArgument,
        || {
            SYSTEM.io_ports(0x80, 1, PORTS)?;
            sys::io_out(PORTS, 0x80, 1, 0x100)
        },
    ),
    refusal(
        146,
        "read a word across the range's end",
        InvalidArgument,
        || {
            SYSTEM.io_ports(0x80, 1, PORTS)?;
            sys::io_in(PORTS, 0x80, 2).map(drop)
        },
    ),
    survival(
        147,
        "delete a bound handler, then make the line's handler again",
        handler_deleted_while_bound,
    ),
];

fn handler_deleted_while_bound() -> Checked {
    let line = works(SYSTEM.irq_handler(QUIET_LINES[2], LINE), "a handler")?;
    let note = works(POOL.create_notification(NOTE), "a notification")?;
    works(line.set_notification(note), "bind it")?;
    works(line.delete(), "delete the handler")?;
    let again = SYSTEM.irq_handler(QUIET_LINES[2], LINE);
    check(again.is_ok(), "the line is free again", 0)?;
    let r = IrqHandler(LINE).ack();
    check(r == Err(InvalidArgument), "and unbound", 0)?;
    works(IrqHandler(LINE).delete(), "delete it")?;
    works(note.destroy(), "destroy the notification")?;
    works(note.delete(), "delete it")
}
