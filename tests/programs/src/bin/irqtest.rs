//! irqtest: interrupt and I/O-port capabilities (tests/tests/devices.rs). Init trusts it with
//! devices (its `DEVICE_HOLDERS`): it makes the RTC's ports (0x70-0x71) and line (IRQ 8), turns on
//! the RTC's periodic interrupt and sees it arrive as notification bits; a line it does not
//! acknowledge stays masked; the kernel's own lines and ports are refused. Exits 0 only if all held.
#![no_std]
#![no_main]

use userlib::{println, slots, sys, CapSlot, FramePool, IoPorts, IrqHandler, Notification};
use userlib::{Rights, SysError, System};

userlib::entry!(main);

const POOL: FramePool = FramePool(slots::POOL);
const SYSTEM: System = System(slots::DEVICE);
const PORTS: CapSlot = CapSlot(20);
const LINE: CapSlot = CapSlot(21);
const NOTE: CapSlot = CapSlot(22);
const BADGED: CapSlot = CapSlot(23);
const SPARE: CapSlot = CapSlot(24);
const RTC_LINE: u64 = 8;
/// The bits the RTC's line signals.
const RTC_BIT: u64 = 0x80;
/// Register A's rate 10: 64 interrupts a second.
const RATE_64HZ: u8 = 0x0A;

type Outcome = Result<(), (&'static str, u64)>;

fn ok<T>(result: Result<T, SysError>, what: &'static str) -> Result<T, (&'static str, u64)> {
    result.map_err(|e| (what, e.raw()))
}

fn expect(holds: bool, what: &'static str, got: u64) -> Outcome {
    holds.then_some(()).ok_or((what, got))
}

/// CMOS register `reg` (bit 7 of the index port keeps NMIs off, as firmware leaves it).
fn rtc_read(p: IoPorts, reg: u8) -> Result<u8, SysError> {
    p.outb(0x70, 0x80 | reg)?;
    p.inb(0x71)
}

fn rtc_write(p: IoPorts, reg: u8, value: u8) -> Result<(), SysError> {
    p.outb(0x70, 0x80 | reg)?;
    p.outb(0x71, value)
}

/// Lets `ticks` timer ticks pass (a receive nobody sends to).
fn sleep(ticks: u64) -> Outcome {
    let r = sys::recv_timeout(slots::OWN, ticks).map(drop);
    expect(r == Err(SysError::TimedOut), "sleeping", 0)
}

fn refuses_the_kernels_lines_and_ports() -> Outcome {
    for line in [0, 2] {
        let r = SYSTEM.irq_handler(line, SPARE).map(drop);
        expect(r == Err(SysError::InUse), "a kernel line refused", line)?;
    }
    for (first, count) in [
        (0x20, 2),
        (0x40, 1),
        (0xA0, 1),
        (0xF4, 1),
        (0x3F8, 8),
        (0x3F0, 12), // up to COM1's line control
    ] {
        let r = SYSTEM.io_ports(first, count, SPARE).map(drop);
        expect(
            r == Err(SysError::InUse),
            "a kernel port refused",
            first as u64,
        )?;
    }
    Ok(())
}

fn rtc_interrupts_arrive_as_notification_bits(p: IoPorts, line: IrqHandler) -> Outcome {
    let note = ok(POOL.create_notification(NOTE), "notification")?;
    let badged = ok(note.mint(BADGED, Rights::SEND, RTC_BIT), "mint")?;
    ok(line.set_notification(badged), "bind the line")?;
    let a = ok(rtc_read(p, 0xA), "register A")?;
    ok(rtc_write(p, 0xA, a & 0xF0 | RATE_64HZ), "rate")?;
    let b = ok(rtc_read(p, 0xB), "register B")?;
    ok(rtc_write(p, 0xB, b | 0x40), "periodic interrupt on")?;
    ok(rtc_read(p, 0xC), "register C")?;
    for _ in 0..5 {
        let bits = ok(note.wait(), "wait")?;
        expect(bits == RTC_BIT, "the line's bits", bits)?;
        ok(rtc_read(p, 0xC), "register C")?; // the RTC's own acknowledgement
        ok(line.ack(), "ack")?;
    }
    Ok(())
}

fn a_line_not_acknowledged_stays_masked(
    note: Notification,
    p: IoPorts,
    line: IrqHandler,
) -> Outcome {
    let bits = ok(note.wait(), "wait")?;
    ok(rtc_read(p, 0xC), "register C")?;
    sleep(20)?; // 12 periods of the RTC: all of them held back by the mask
    let bits = bits | ok(note.poll(), "poll")? << 8;
    expect(bits == RTC_BIT, "nothing while masked", bits)?;
    ok(line.ack(), "ack")?;
    let bits = ok(note.wait(), "wait")?;
    expect(bits == RTC_BIT, "the line again once acknowledged", bits)?;
    ok(rtc_read(p, 0xC), "register C")?;
    Ok(())
}

fn one_handler_per_line_until_its_last_capability_goes(line: IrqHandler) -> Outcome {
    let r = SYSTEM.irq_handler(RTC_LINE, SPARE).map(drop);
    expect(r == Err(SysError::InUse), "a second handler", 0)?;
    ok(line.delete(), "delete the handler")?;
    let line = ok(SYSTEM.irq_handler(RTC_LINE, LINE), "the line again")?;
    let r = line.ack();
    expect(
        r == Err(SysError::InvalidArgument),
        "a new handler is unbound",
        0,
    )?;
    // Its notification destroyed, the line is masked for good.
    let note = ok(POOL.create_notification(SPARE), "notification")?;
    ok(line.set_notification(note), "bind")?;
    ok(note.destroy(), "destroy")?;
    sleep(5)?;
    expect(
        line.ack() == Err(SysError::StaleCap),
        "stale notification",
        0,
    )
}

fn main() -> i32 {
    let mut passed = 0;
    let mut run = |what: &str, check: &dyn Fn() -> Outcome| match check() {
        Ok(()) => {
            println!("irqtest: {what}");
            passed += 1;
        }
        Err((step, got)) => println!("irqtest: FAIL {what}: {step} ({got:#x})"),
    };
    let (p, line) = match (
        SYSTEM.io_ports(0x70, 2, PORTS),
        SYSTEM.irq_handler(RTC_LINE, LINE),
    ) {
        (Ok(p), Ok(line)) => (p, line),
        _ => {
            println!("irqtest: FAIL cannot make the RTC's capabilities");
            return 1;
        }
    };
    run(
        "the kernel's lines and ports are refused",
        &refuses_the_kernels_lines_and_ports,
    );
    run("RTC interrupts arrive as notification bits", &|| {
        rtc_interrupts_arrive_as_notification_bits(p, line)
    });
    run("a line not acknowledged stays masked", &|| {
        a_line_not_acknowledged_stays_masked(Notification(NOTE), p, line)
    });
    run(
        "one handler per line until its last capability goes",
        &|| one_handler_per_line_until_its_last_capability_goes(line),
    );
    let b = rtc_read(p, 0xB).unwrap_or(0);
    let _ = rtc_write(p, 0xB, b & !0x40);
    println!("irqtest: {passed} of 4 checks passed");
    if passed == 4 {
        0
    } else {
        1
    }
}
