//! Hardware interrupts: the legacy 8259 PICs remapped to vectors 32-47 and the PIT at `abi::HZ`
//! (100, WeensyOS's `HZ`). The PIT is simple, exists on every PC QEMU emulates, and needs no
//! calibration. Any other line that fires is masked at the PIC and left pending for the kernel
//! state to deliver to its handler's notification (`Kernel::deliver_irqs`); `IrqAck` unmasks it.
use core::sync::atomic::{AtomicU16, AtomicU64, Ordering};

pub const TIMER_VECTOR: u8 = 32;
const PIT_FREQUENCY: u32 = 1_193_182;

static TICKS: AtomicU64 = AtomicU64::new(0);
/// The PICs' mask registers (bit = line), as last written.
static MASKED: AtomicU16 = AtomicU16::new(0xFFFF);
/// Lines that fired (and were masked) since the kernel last took them.
static PENDING: AtomicU16 = AtomicU16::new(0);
/// Spurious interrupts (line 7 or 15 with nothing in service), ignored.
pub static SPURIOUS: AtomicU64 = AtomicU64::new(0);

#[cfg(not(test))]
use crate::arch::cpu::{port_in, port_out};
#[cfg(test)]
pub use host_pics::{is_masked, port_in, port_out, STUB_IN_SERVICE};

/// Remaps the PICs (so IRQs do not collide with exceptions), unmasks only the timer and the
/// cascade, and starts the PIT in rate-generator mode at `HZ`.
pub fn init() {
    // To master (0x20) and slave (0xA0): ICW1 (edge-triggered, cascaded, ICW4 follows) on the
    // command port, then on the data port ICW2 (vector base), ICW3 (slave on line 2; its
    // identity 2), ICW4 (8086 mode).
    for (port, master, slave) in [(0, 0x11, 0x11), (1, 32, 40), (1, 4, 2), (1, 0x01, 0x01)] {
        port_out(0x20 + port, 1, master);
        port_out(0xA0 + port, 1, slave);
    }
    set_masked(!abi::device::KERNEL_IRQ_LINES);
    let divisor = PIT_FREQUENCY / abi::HZ as u32;
    port_out(0x43, 1, 0x34);
    port_out(0x40, 1, divisor); // the low byte, then the high
    port_out(0x40, 1, divisor >> 8);
}

fn set_masked(lines: u16) {
    MASKED.store(lines, Ordering::Relaxed);
    port_out(0x21, 1, lines.into());
    port_out(0xA1, 1, (lines >> 8).into());
}

pub fn mask(line: u16) {
    set_masked(MASKED.load(Ordering::Relaxed) | 1 << line);
}

pub fn unmask(line: u16) {
    set_masked(MASKED.load(Ordering::Relaxed) & !(1 << line));
}

/// The lines that fired since the last call.
pub fn take_pending() -> u16 {
    PENDING.swap(0, Ordering::Relaxed)
}

pub fn pending() -> bool {
    PENDING.load(Ordering::Relaxed) != 0
}

pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Acknowledges an interrupt (end of interrupt to the PICs it came through); returns whether it
/// was a timer tick. Another line is masked (so a driver that never acknowledges cannot cause a
/// storm) and marked pending. Lines 7 and 15 with nothing in service are spurious: no EOI for
/// the PIC that made it up.
pub fn handle(vector: u8) -> bool {
    let line = vector.wrapping_sub(TIMER_VECTOR) as u16 & 15;
    if line & 7 == 7 {
        let pic = if line == 15 { 0xA0 } else { 0x20 };
        port_out(pic, 1, 0x0B); // read the in-service register next
        if port_in(pic, 1) & 0x80 == 0 {
            SPURIOUS.fetch_add(1, Ordering::Relaxed);
            if line == 15 {
                port_out(0x20, 1, 0x20); // the master did see the cascade
            }
            return false;
        }
    }
    let tick = vector == TIMER_VECTOR;
    if tick {
        TICKS.fetch_add(1, Ordering::Relaxed);
    } else {
        mask(line);
        PENDING.fetch_or(1 << line, Ordering::Relaxed);
    }
    if line >= 8 {
        port_out(0xA0, 1, 0x20);
    }
    port_out(0x20, 1, 0x20);
    tick
}

/// Host tests: the PICs are the `MASKED` shadow and an in-service register the test sets.
#[cfg(test)]
mod host_pics {
    use core::sync::atomic::{AtomicU8, Ordering};
    pub static STUB_IN_SERVICE: AtomicU8 = AtomicU8::new(0xFF);
    pub fn port_out(_: u16, _: u64, _: u32) {}
    pub fn port_in(_: u16, _: u64) -> u32 {
        STUB_IN_SERVICE.load(Ordering::Relaxed).into()
    }
    pub fn is_masked(line: u16) -> bool {
        super::MASKED.load(Ordering::Relaxed) & 1 << line != 0
    }
}
