//! The I/O APIC: routes the ISA device lines (through the MADT's overrides) to the boot CPU.
use super::madt::IsaRoute;
use core::sync::atomic::{AtomicU64, Ordering};

/// The I/O APIC's registers' virtual address (in the physical-memory window), and its first GSI.
static MMIO: AtomicU64 = AtomicU64::new(0);
static GSI_BASE: AtomicU64 = AtomicU64::new(0);

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
        write(0x10 + 2 * pin, 1 << 16);
    }
}

/// Routes ISA line `route` to `vector` on APIC id `dest`, masked or not.
pub fn set(route: IsaRoute, vector: u8, dest: u32, masked: bool) {
    let pin = route
        .gsi
        .wrapping_sub(GSI_BASE.load(Ordering::Relaxed) as u32);
    let low = u32::from(vector)
        | u32::from(route.active_low) << 13
        | u32::from(route.level) << 15
        | u32::from(masked) << 16;
    write(0x11 + 2 * pin, dest << 24);
    write(0x10 + 2 * pin, low);
}
