//! Segments and the TSS.
//!
//! Order matters for `syscall`/`sysret`: kernel code, kernel data, then user data, user code
//! (`sysret` loads SS from STAR+8 and CS from STAR+16).
use super::percpu::{self, MAX_CPUS};
use core::ptr::{addr_of, addr_of_mut};
use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::VirtAddr;

/// IST slots: faults that must not run on a possibly broken stack get their own.
pub const DOUBLE_FAULT_IST: u16 = 0;
pub const NMI_IST: u16 = 1;
pub const MACHINE_CHECK_IST: u16 = 2;
/// #DB too: a single-step trap of a user's `syscall` could arrive at the kernel's entry point,
/// before it has left the user's stack (the reason Linux gives #DB its own stack).
pub const DEBUG_IST: u16 = 3;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack([u8; IST_STACK_SIZE]);

/// Each CPU's IST stacks and GDT (whose TSS descriptor points at the TSS in its `PerCpu`).
static mut IST_STACKS: [[Stack; 4]; MAX_CPUS] =
    [const { [const { Stack([0; IST_STACK_SIZE]) }; 4] }; MAX_CPUS];
static mut GDTS: [GlobalDescriptorTable; MAX_CPUS] =
    [const { GlobalDescriptorTable::new() }; MAX_CPUS];

pub struct Selectors {
    pub kernel_code: SegmentSelector,
    pub kernel_data: SegmentSelector,
    pub user_data: SegmentSelector,
    pub user_code: SegmentSelector,
    pub tss: SegmentSelector,
}

/// Builds and loads CPU `cpu`'s GDT and TSS (on that CPU); returns the selectors (the same on
/// every CPU, for the `syscall` MSRs).
pub fn init(cpu: usize) -> Selectors {
    // SAFETY: each CPU builds only its own GDT and TSS, once, with interrupts off, before anything
    // reads them; the TSS lives in a static `PerCpu` and is changed only through
    // `set_kernel_entry_stack`.
    let (gdt, selectors) = unsafe {
        let tss = &raw mut (*percpu::area(cpu)).tss;
        // IST slot `i` gets stack `i`.
        for ist in [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST, DEBUG_IST].map(usize::from) {
            let top = VirtAddr::from_ptr(addr_of!(IST_STACKS[cpu][ist])) + IST_STACK_SIZE as u64;
            (*tss).interrupt_stack_table[ist] = top;
        }
        let gdt = &mut *addr_of_mut!(GDTS[cpu]);
        // Appended in field order: the order `syscall`/`sysret` need (see above).
        let selectors = Selectors {
            kernel_code: gdt.append(Descriptor::kernel_code_segment()),
            kernel_data: gdt.append(Descriptor::kernel_data_segment()),
            user_data: gdt.append(Descriptor::user_data_segment()),
            user_code: gdt.append(Descriptor::user_code_segment()),
            tss: gdt.append(Descriptor::tss_segment_unchecked(tss)),
        };
        (&*gdt, selectors)
    };
    gdt.load();
    let sel = &selectors;
    // SAFETY: the selectors come from the GDT just loaded.
    unsafe {
        CS::set_reg(sel.kernel_code);
        SS::set_reg(sel.kernel_data);
        DS::set_reg(SegmentSelector(0));
        ES::set_reg(SegmentSelector(0));
        load_tss(sel.tss);
    }
    selectors
}

/// Where the CPU pushes the interrupt frame when user code traps: the end of the current task's
/// saved-register area (see `arch::trap`), in this CPU's TSS.
#[inline(always)]
pub fn set_kernel_entry_stack(top: u64) {
    // SAFETY: GS is this CPU's `PerCpu`; interrupts are off in the kernel, and the CPU reads RSP0
    // only on a trap from user mode, which cannot happen while we write it.
    unsafe {
        core::arch::asm!("mov gs:[{rsp0}], {top}", top = in(reg) top, rsp0 = const percpu::TSS_RSP0,
            options(nostack, preserves_flags));
    }
}
