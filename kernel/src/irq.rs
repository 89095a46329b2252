//! Hardware interrupts: the legacy 8259 PICs remapped to vectors 32-47 and the PIT at `abi::HZ`
//! (100, WeensyOS's `HZ`). The PIT is simple, exists on every PC QEMU emulates, and needs no
//! calibration.
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::instructions::port::Port;

pub const TIMER_VECTOR: u8 = 32;
const PIT_FREQUENCY: u32 = 1_193_182;

static TICKS: AtomicU64 = AtomicU64::new(0);

fn outb(port: u16, value: u8) {
    // SAFETY: PIC and PIT command/data ports; programming them affects only interrupt delivery.
    unsafe { Port::new(port).write(value) }
}

/// Remaps the PICs (so IRQs do not collide with exceptions), unmasks only the timer, and starts
/// the PIT in rate-generator mode at `HZ`.
pub fn init() {
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 32);
    outb(0xA1, 40);
    outb(0x21, 4);
    outb(0xA1, 2);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFE); // only IRQ0
    outb(0xA1, 0xFF);
    let divisor = PIT_FREQUENCY / abi::HZ as u32;
    outb(0x43, 0x34);
    outb(0x40, divisor as u8);
    outb(0x40, (divisor >> 8) as u8);
}

pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Acknowledges an interrupt (end of interrupt to the PICs it came through); returns whether it
/// was a timer tick.
pub fn handle(vector: u8) -> bool {
    if vector >= 40 {
        outb(0xA0, 0x20);
    }
    outb(0x20, 0x20);
    if vector == TIMER_VECTOR {
        TICKS.fetch_add(1, Ordering::Relaxed);
        return true;
    }
    false
}
