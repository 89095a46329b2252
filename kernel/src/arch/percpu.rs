//! Which CPU this is, and reaching the others: the interface the layers above use.
//!
//! Each CPU has a [`PerCpu`] area; in the kernel its address is the GS base (user code runs with
//! GS base 0: the entry code `swapgs`es on every way in from and out to user mode), so the entry
//! code and [`index`] reach it with one GS-relative `mov`.
use super::apic;
use core::ptr::addr_of;
use core::sync::atomic::{AtomicUsize, Ordering};
use x86_64::registers::model_specific::{GsBase, KernelGsBase};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::VirtAddr;

/// The most CPUs the kernel runs on (the kernel's per-CPU arrays are this long).
pub const MAX_CPUS: usize = 8;

/// The interrupt vector of the kernel's inter-processor interrupt (reschedule, TLB shootdown).
pub const IPI_VECTOR: u8 = 0xF0;

/// One CPU's state that the entry code reaches through GS (offsets below are its operands).
#[repr(C, align(64))]
pub struct PerCpu {
    index: u64,
    /// The user stack pointer while `syscall_entry` moves to the save area.
    user_rsp: u64,
    kernel_stack_top: u64,
    apic_id: u64,
    /// RSP0 (where a trap from user mode pushes: the current task's save area) and the IST stacks.
    pub tss: TaskStateSegment,
}

pub const USER_RSP: usize = core::mem::offset_of!(PerCpu, user_rsp);
pub const KERNEL_STACK_TOP: usize = core::mem::offset_of!(PerCpu, kernel_stack_top);
pub const TSS_RSP0: usize = core::mem::offset_of!(PerCpu, tss)
    + core::mem::offset_of!(TaskStateSegment, privilege_stack_table);

/// Each CPU's kernel stack: every trap and syscall from user mode switches to the top of this
/// CPU's (the kernel never blocks in kernel mode, so one stack per CPU serves every task).
pub const KERNEL_STACK_SIZE: usize = 64 * 1024;
#[repr(C, align(16))]
struct KernelStack([u8; KERNEL_STACK_SIZE]);
static mut KERNEL_STACKS: [KernelStack; MAX_CPUS] =
    [const { KernelStack([0; KERNEL_STACK_SIZE]) }; MAX_CPUS];

static mut CPUS: [PerCpu; MAX_CPUS] = [const {
    PerCpu {
        index: 0,
        user_rsp: 0,
        kernel_stack_top: 0,
        apic_id: 0,
        tss: TaskStateSegment::new(),
    }
}; MAX_CPUS];
static COUNT: AtomicUsize = AtomicUsize::new(1);

/// CPU `cpu`'s area (for setting it up: its GDT's TSS descriptor, its stacks).
pub fn area(cpu: usize) -> *mut PerCpu {
    // SAFETY: only an address is taken; `cpu` is below MAX_CPUS (index checked).
    unsafe { &raw mut CPUS[cpu] }
}

/// Fills CPU `cpu`'s area and makes it this CPU's GS base (user GS base 0 in the other slot).
/// Runs on that CPU, first thing, interrupts off.
pub fn init(cpu: usize) {
    let area = area(cpu);
    // SAFETY: each CPU writes only its own area, before anything reads it through GS.
    unsafe {
        (*area).index = cpu as u64;
        (*area).kernel_stack_top = kernel_stack_top(cpu);
    }
    GsBase::write(VirtAddr::from_ptr(area));
    KernelGsBase::write(VirtAddr::zero());
}

/// Records CPU `cpu`'s APIC id (where [`send_ipi`] sends), before it is counted.
pub fn set_apic_id(cpu: usize, apic_id: u32) {
    // SAFETY: written by bring-up before the CPU is counted (so before anyone sends to it).
    unsafe { (*area(cpu)).apic_id = apic_id.into() };
}

/// CPU `cpu`'s APIC id.
pub fn apic_id(cpu: usize) -> u32 {
    // SAFETY: a word bring-up wrote before the CPU was counted (or the boot CPU's, at boot).
    unsafe { (*area(cpu)).apic_id as u32 }
}

/// The top of CPU `cpu`'s kernel stack (an application processor starts on it).
pub fn kernel_stack_top(cpu: usize) -> u64 {
    // SAFETY: only an address is taken.
    unsafe { addr_of!(KERNEL_STACKS[cpu]) as u64 + KERNEL_STACK_SIZE as u64 }
}

/// This CPU's index: 0 for the boot CPU, then 1, 2... in the order they started.
#[cfg(not(test))]
#[inline(always)]
pub fn index() -> usize {
    let index: usize;
    // SAFETY: in the kernel GS base is this CPU's area (set by `init` before anything calls this;
    // the only code that swaps it runs no Rust in between), whose first word is its index.
    unsafe {
        core::arch::asm!("mov {}, gs:[0]", out(reg) index,
            options(pure, readonly, nostack, preserves_flags));
    }
    index
}

/// Host tests: one CPU.
#[cfg(test)]
pub fn index() -> usize {
    0
}

/// How many CPUs run.
pub fn count() -> usize {
    COUNT.load(Ordering::Acquire)
}

/// Counts one more CPU started (bring-up, once the CPU has reported in).
pub fn add_started() {
    COUNT.fetch_add(1, Ordering::Release);
}

/// Sends the kernel's IPI ([`IPI_VECTOR`]) to CPU `cpu` (never this one).
#[cfg(not(test))]
pub fn send_ipi(cpu: usize) {
    apic::send(apic_id(cpu), apic::FIXED | u32::from(IPI_VECTOR));
}

/// Host tests: there is no other CPU to send to (`sched::remote` records what was asked).
#[cfg(test)]
pub fn send_ipi(_: usize) {}
