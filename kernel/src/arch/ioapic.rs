//! The I/O APIC: routes the ISA device lines (through the MADT's overrides) to the boot CPU.
use super::madt::IsaRoute;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// The I/O APIC's registers' virtual address (in the physical-memory window), and its first GSI.
static MMIO: AtomicU64 = AtomicU64::new(0);
static GSI_BASE: AtomicU64 = AtomicU64::new(0);
/// Each ISA line's input and its redirection entry's low word, unmasked (`route_isa`).
static PINS: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
static UNMASKED: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
const MASK: u32 = 1 << 16;

fn write(reg: u32, value: u32) {
    let base = MMIO.load(Ordering::Relaxed);
    // SAFETY: the I/O APIC's select and window registers, mapped in the physical-memory window;
    // they affect only interrupt delivery. Interrupts are off in the kernel: select then write
    // is not interleaved on this CPU, and only the kernel, under its lock, programs it.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::write_volatile((base + 0x10) as *mut u32, value);
    }
}

fn read(reg: u32) -> u32 {
    let base = MMIO.load(Ordering::Relaxed);
    // SAFETY: as in `write`.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::read_volatile((base + 0x10) as *const u32)
    }
}

/// Masks every input of the I/O APIC at `mmio` (its first GSI `gsi_base`).
pub fn init(mmio: u64, gsi_base: u32) {
    MMIO.store(mmio, Ordering::Relaxed);
    GSI_BASE.store(gsi_base.into(), Ordering::Relaxed);
    let inputs = (read(1) >> 16 & 0xFF) + 1;
    for pin in 0..inputs {
        write(0x10 + 2 * pin, MASK);
    }
}

/// Routes the ISA `lines` (a bit each; through `isa`, the MADT's overrides) to vectors
/// `vector_base` + line on APIC id `dest`, masked. [`set_masked`] then only flips the mask.
pub fn route_isa(isa: &[IsaRoute; 16], lines: u16, vector_base: u8, dest: u32) {
    let gsi_base = GSI_BASE.load(Ordering::Relaxed) as u32;
    for line in (0..16).filter(|l| lines & 1 << l != 0) {
        let route = isa[line];
        let pin = route.gsi.wrapping_sub(gsi_base);
        let vector = u32::from(vector_base) + line as u32;
        let low = vector | u32::from(route.active_low) << 13 | u32::from(route.level) << 15;
        PINS[line].store(pin, Ordering::Relaxed);
        UNMASKED[line].store(low, Ordering::Relaxed);
        write(0x11 + 2 * pin, dest << 24);
        write(0x10 + 2 * pin, low | MASK);
    }
}

/// Masks or unmasks ISA `line` (routed by [`route_isa`]): one register write.
pub fn set_masked(line: u16, masked: bool) {
    let (pin, low) = (&PINS[line as usize], &UNMASKED[line as usize]);
    let mask = if masked { MASK } else { 0 };
    write(
        0x10 + 2 * pin.load(Ordering::Relaxed),
        low.load(Ordering::Relaxed) | mask,
    );
}
