//! Hardware interrupts: each CPU's local APIC timer at `abi::HZ` (100, WeensyOS's `HZ`; the boot
//! CPU's ticks are the kernel's clock), and the ISA device lines through the I/O APIC to the boot
//! CPU, at vectors 32 + line (the legacy PICs remapped out of the way and fully masked; line 0,
//! the PIT's, is never routed, so vector 32 is the timer's alone). A device line that fires is
//! masked and left pending for the kernel state to deliver to its handler's notification
//! (`Kernel::deliver_irqs`); `IrqAck` unmasks it.
use crate::arch::percpu::{self, IPI_VECTOR};
use core::sync::atomic::{AtomicU16, AtomicU64, Ordering};

pub use crate::arch::apic::{SPURIOUS_VECTOR, TIMER_VECTOR};

static TICKS: AtomicU64 = AtomicU64::new(0);
/// The lines masked (bit = line), as last written.
static MASKED: AtomicU16 = AtomicU16::new(0xFFFF);
/// Lines that fired (and were masked) since the kernel last took them.
static PENDING: AtomicU16 = AtomicU16::new(0);
/// Spurious interrupts (the local APIC's own, no EOI), ignored.
pub static SPURIOUS: AtomicU64 = AtomicU64::new(0);

#[cfg(test)]
pub use host::{is_masked, EOIS};
use hw::{eoi, route};

/// Remaps and masks the PICs, routes every device line to the boot CPU (masked), measures the
/// local APIC timer against the PIT and starts it on the boot CPU. (After `arch::smp::discover`.)
pub fn init() {
    // To master (0x20) and slave (0xA0): ICW1 (edge-triggered, cascaded, ICW4 follows) on the
    // command port, then on the data port ICW2 (vector base), ICW3 (slave on line 2; its
    // identity 2), ICW4 (8086 mode), then the mask: all. (Remapped first, so that an interrupt
    // it raised before being masked cannot look like an exception.)
    let pics = [
        (0, 0x11, 0x11),
        (1, 32, 40),
        (1, 4, 2),
        (1, 0x01, 0x01),
        (1, 0xFF, 0xFF),
    ];
    for (port, master, slave) in pics {
        hw::port_out(0x20 + port, master);
        hw::port_out(0xA0 + port, slave);
    }
    MASKED.store(0xFFFF, Ordering::Relaxed);
    hw::start(!abi::device::KERNEL_IRQ_LINES);
}

fn set_masked(line: u16, masked: bool) {
    let old = MASKED.load(Ordering::Relaxed);
    MASKED.store(
        old & !(1 << line) | u16::from(masked) << line,
        Ordering::Relaxed,
    );
    // The kernel's lines (the PIT, the PICs' cascade) are never routed.
    if abi::device::KERNEL_IRQ_LINES & 1 << line == 0 {
        route(line, masked);
    }
}

pub fn mask(line: u16) {
    set_masked(line, true);
}

pub fn unmask(line: u16) {
    set_masked(line, false);
}

/// The lines that fired since the last call.
pub fn take_pending() -> u16 {
    PENDING.swap(0, Ordering::Relaxed)
}

pub fn pending() -> bool {
    PENDING.load(Ordering::Relaxed) != 0
}

/// The boot CPU's timer ticks: the kernel's clock.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Acknowledges an interrupt (EOI to this CPU's local APIC); returns whether it was a timer tick
/// (on any CPU; the boot CPU's count as the clock). A device line is masked (so a driver that
/// never acknowledges cannot cause a storm) and marked pending; the IPI is only acknowledged; a
/// spurious interrupt gets no EOI (the APIC made it up: nothing is in service).
pub fn handle(vector: u8) -> bool {
    match vector {
        SPURIOUS_VECTOR => {
            SPURIOUS.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        TIMER_VECTOR if percpu::index() == 0 => {
            TICKS.fetch_add(1, Ordering::Relaxed);
        }
        TIMER_VECTOR | IPI_VECTOR => {}
        _ => {
            let line = vector.wrapping_sub(TIMER_VECTOR) as u16 & 15;
            mask(line);
            PENDING.fetch_or(1 << line, Ordering::Relaxed);
        }
    }
    eoi();
    vector == TIMER_VECTOR
}

/// The hardware: the PICs' ports, the I/O APIC and local APIC in `arch`.
#[cfg(not(test))]
mod hw {
    use crate::arch::{apic, ioapic, percpu, smp};
    pub use apic::eoi;

    pub fn port_out(port: u16, value: u32) {
        crate::arch::cpu::port_out(port, 1, value);
    }

    pub fn route(line: u16, masked: bool) {
        ioapic::set_masked(line, masked);
    }

    /// Routes the device lines (not the kernel's) to the boot CPU, masked; starts its timer.
    pub fn start(lines: u16) {
        let boot_cpu = percpu::apic_id(0);
        ioapic::route_isa(&smp::madt().isa, lines, apic::TIMER_VECTOR, boot_cpu);
        apic::calibrate();
        apic::start_timer();
    }
}

/// Host tests: the lines are the `MASKED` shadow; EOIs are counted.
#[cfg(test)]
mod host {
    use core::sync::atomic::{AtomicU64, Ordering};
    pub static EOIS: AtomicU64 = AtomicU64::new(0);
    pub fn port_out(_: u16, _: u32) {}
    pub fn route(_: u16, _: bool) {}
    pub fn start(_: u16) {}
    pub fn eoi() {
        EOIS.fetch_add(1, Ordering::Relaxed);
    }
    pub fn is_masked(line: u16) -> bool {
        super::MASKED.load(Ordering::Relaxed) & 1 << line != 0
    }
}
#[cfg(test)]
use host as hw;
