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
fn outb(port: u16, value: u8) {
    // SAFETY: PIC and PIT command/data ports; programming them affects only interrupt delivery.
    unsafe { x86_64::instructions::port::Port::new(port).write(value) }
}

#[cfg(not(test))]
fn inb(port: u16) -> u8 {
    // SAFETY: reading a PIC's in-service register has no side effect.
    unsafe { x86_64::instructions::port::Port::new(port).read() }
}

#[cfg(test)]
use host_pics::{inb, outb};
#[cfg(test)]
pub use host_pics::{is_masked, STUB_IN_SERVICE};

/// Remaps the PICs (so IRQs do not collide with exceptions), unmasks only the timer and the
/// cascade, and starts the PIT in rate-generator mode at `HZ`.
pub fn init() {
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 32);
    outb(0xA1, 40);
    outb(0x21, 4);
    outb(0xA1, 2);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    set_masked(!abi::device::KERNEL_IRQ_LINES);
    let divisor = PIT_FREQUENCY / abi::HZ as u32;
    outb(0x43, 0x34);
    outb(0x40, divisor as u8);
    outb(0x40, (divisor >> 8) as u8);
}

fn set_masked(lines: u16) {
    MASKED.store(lines, Ordering::Relaxed);
    outb(0x21, lines as u8);
    outb(0xA1, (lines >> 8) as u8);
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
        outb(pic, 0x0B); // read the in-service register next
        if inb(pic) & 0x80 == 0 {
            SPURIOUS.fetch_add(1, Ordering::Relaxed);
            if line == 15 {
                outb(0x20, 0x20); // the master did see the cascade
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
        outb(0xA0, 0x20);
    }
    outb(0x20, 0x20);
    tick
}

/// Host tests: the PICs are the `MASKED` shadow and an in-service register the test sets.
#[cfg(test)]
mod host_pics {
    use core::sync::atomic::{AtomicU8, Ordering};
    pub static STUB_IN_SERVICE: AtomicU8 = AtomicU8::new(0xFF);
    pub fn outb(_: u16, _: u8) {}
    pub fn inb(_: u16) -> u8 {
        STUB_IN_SERVICE.load(Ordering::Relaxed)
    }
    pub fn is_masked(line: u16) -> bool {
        super::MASKED.load(Ordering::Relaxed) & 1 << line != 0
    }
}
