//! The local APIC of each CPU (x2APIC through MSRs where the CPU has it, else xAPIC through its
//! MMIO page in the physical-memory window), its timer, inter-processor interrupts, and the PIT
//! channel 2 as a stopwatch (to calibrate the timer and time the bring-up).
use super::cpu::{port_in, port_out};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

/// The vector of the local timer on every CPU (the boot CPU's ticks are the kernel's clock).
pub const TIMER_VECTOR: u8 = 32;
/// Where the local APIC sends the interrupts it made up (no EOI for those).
pub const SPURIOUS_VECTOR: u8 = 0xFF;
/// Interrupt command delivery modes (destination: a physical APIC id).
pub const FIXED: u32 = 0;
pub const INIT: u32 = 0x4500;
pub const STARTUP: u32 = 0x4600;

const ID: u32 = 0x20;
const EOI: u32 = 0xB0;
const SPURIOUS: u32 = 0xF0;
const ICR: u32 = 0x300;
const LVT_TIMER: u32 = 0x320;
const LVT_LINT0: u32 = 0x350;
const TIMER_INITIAL: u32 = 0x380;
const TIMER_CURRENT: u32 = 0x390;
const TIMER_DIVIDE: u32 = 0x3E0;
const APIC_BASE_MSR: u32 = 0x1B;
const X2APIC_ENABLE: u64 = 1 << 10 | 1 << 11;
/// The PIT's input clock.
pub const PIT_HZ: u32 = 1_193_182;

/// The xAPIC page's virtual address, or 0 in x2APIC mode.
static MMIO: AtomicU64 = AtomicU64::new(0);
/// Timer counts (divided by 16) per kernel tick, measured once on the boot CPU.
static COUNTS_PER_TICK: AtomicU32 = AtomicU32::new(0);

fn read(reg: u32) -> u32 {
    match MMIO.load(Ordering::Relaxed) {
        // SAFETY: x2APIC mode: the register's MSR exists; reading it has no side effect.
        0 => unsafe { Msr::new(0x800 + (reg >> 4)).read() as u32 },
        // SAFETY: the xAPIC page is mapped (window) and `reg` one of its registers.
        page => unsafe { core::ptr::read_volatile((page + u64::from(reg)) as *const u32) },
    }
}

fn write(reg: u32, value: u32) {
    match MMIO.load(Ordering::Relaxed) {
        // SAFETY: as in `read`; the local APIC's registers affect only interrupt delivery.
        0 => unsafe { Msr::new(0x800 + (reg >> 4)).write(value.into()) },
        // SAFETY: as in `read`.
        page => unsafe { core::ptr::write_volatile((page + u64::from(reg)) as *mut u32, value) },
    }
}

/// Turns on this CPU's local APIC: x2APIC mode if the CPU has it (the choice is made on the boot
/// CPU: `mmio` is the xAPIC page's virtual address, kept for a CPU without x2APIC), LINT0 (the
/// PICs' virtual wire) masked, spurious vector set. Interrupts off.
pub fn enable(boot_cpu: bool, mmio: u64) {
    let has_x2apic = core::arch::x86_64::__cpuid(1).ecx & 1 << 21 != 0;
    let mut base = Msr::new(APIC_BASE_MSR);
    if has_x2apic && (boot_cpu || MMIO.load(Ordering::Relaxed) == 0) {
        // SAFETY: sets the enable and x2APIC bits of the APIC base; the APIC stays where it is.
        // (An APIC that cannot do x2APIC leaves the bit clear: checked below.)
        unsafe { base.write(base.read() | X2APIC_ENABLE) };
    }
    // SAFETY: reading the APIC base MSR has no side effect.
    let x2apic = unsafe { base.read() } & X2APIC_ENABLE == X2APIC_ENABLE;
    if boot_cpu {
        MMIO.store(if x2apic { 0 } else { mmio }, Ordering::Relaxed);
    }
    write(LVT_LINT0, 1 << 16);
    write(SPURIOUS, 0x100 | u32::from(SPURIOUS_VECTOR));
}

/// This CPU's APIC id.
pub fn id() -> u32 {
    match MMIO.load(Ordering::Relaxed) {
        0 => read(ID),
        _ => read(ID) >> 24,
    }
}

pub fn eoi() {
    write(EOI, 0);
}

/// Sends an interprocessor interrupt (`command`: delivery mode and vector) to APIC id `dest`.
pub fn send(dest: u32, command: u32) {
    if MMIO.load(Ordering::Relaxed) == 0 {
        // SAFETY: x2APIC's interrupt command register: one write sends.
        unsafe { Msr::new(0x830).write(u64::from(dest) << 32 | u64::from(command)) };
    } else {
        while read(ICR) & 1 << 12 != 0 {
            core::hint::spin_loop(); // the previous one is still being sent
        }
        write(ICR + 0x10, dest << 24);
        write(ICR, command);
    }
}

/// Waits `counts` PIT periods (at most 65535, 55 ms) on channel 2, polled: a one-shot count.
pub fn pit_wait(counts: u16) {
    // Gate 2 on, speaker off; channel 2, low then high byte, mode 0 (out goes high at zero).
    port_out(0x61, 1, (port_in(0x61, 1) & !2) | 1);
    port_out(0x43, 1, 0xB0);
    port_out(0x42, 1, u32::from(counts & 0xFF));
    port_out(0x42, 1, u32::from(counts >> 8));
    while port_in(0x61, 1) & 0x20 == 0 {
        core::hint::spin_loop();
    }
}

/// Measures the timer against the PIT (10 ms, on the boot CPU). Under `-icount` both follow the
/// instruction count, so the figure is the same every run.
pub fn calibrate() {
    write(TIMER_DIVIDE, 3); // divide by 16
    write(LVT_TIMER, 1 << 16); // masked: only counting
    write(TIMER_INITIAL, u32::MAX);
    pit_wait((PIT_HZ / 100) as u16);
    let per_10ms = u64::from(u32::MAX - read(TIMER_CURRENT));
    let per_tick = per_10ms * 100 / abi::HZ;
    COUNTS_PER_TICK.store(per_tick.clamp(1, u32::MAX.into()) as u32, Ordering::Relaxed);
}

/// Starts this CPU's timer: [`TIMER_VECTOR`] at `abi::HZ` (periodic).
pub fn start_timer() {
    write(TIMER_DIVIDE, 3);
    write(LVT_TIMER, 1 << 17 | u32::from(TIMER_VECTOR));
    write(TIMER_INITIAL, COUNTS_PER_TICK.load(Ordering::Relaxed));
}
