//! Segments and the TSS.
//!
//! Order matters for `syscall`/`sysret`: kernel code, kernel data, then user data, user code
//! (`sysret` loads SS from STAR+8 and CS from STAR+16).
use core::ptr::addr_of;
use spin::Once;
use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
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

static mut IST_STACKS: [Stack; 4] = [const { Stack([0; IST_STACK_SIZE]) }; 4];
pub(super) static mut TSS: TaskStateSegment = TaskStateSegment::new();

pub struct Selectors {
    pub kernel_code: SegmentSelector,
    pub kernel_data: SegmentSelector,
    pub user_data: SegmentSelector,
    pub user_code: SegmentSelector,
    pub tss: SegmentSelector,
}

static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

/// Loads the GDT and TSS; returns the selectors (for the `syscall` MSRs).
pub fn init() -> &'static Selectors {
    // SAFETY: runs once, before interrupts are enabled and before anything else reads the TSS.
    unsafe {
        let tss = &mut *core::ptr::addr_of_mut!(TSS);
        // IST slot `i` gets stack `i`.
        for ist in [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST, DEBUG_IST].map(usize::from) {
            let top = VirtAddr::from_ptr(addr_of!(IST_STACKS[ist])) + IST_STACK_SIZE as u64;
            tss.interrupt_stack_table[ist] = top;
        }
    }
    let (gdt, sel) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        // Appended in field order: the order `syscall`/`sysret` need (see above).
        let selectors = Selectors {
            kernel_code: gdt.append(Descriptor::kernel_code_segment()),
            kernel_data: gdt.append(Descriptor::kernel_data_segment()),
            user_data: gdt.append(Descriptor::user_data_segment()),
            user_code: gdt.append(Descriptor::user_code_segment()),
            // SAFETY: TSS is a static that lives forever and is only changed through `set_kernel_entry_stack`.
            tss: gdt.append(unsafe { Descriptor::tss_segment_unchecked(addr_of!(TSS)) }),
        };
        (gdt, selectors)
    });
    gdt.load();
    // SAFETY: the selectors come from the GDT just loaded.
    unsafe {
        CS::set_reg(sel.kernel_code);
        SS::set_reg(sel.kernel_data);
        DS::set_reg(SegmentSelector(0));
        ES::set_reg(SegmentSelector(0));
        load_tss(sel.tss);
    }
    sel
}

/// Where the CPU pushes the interrupt frame when user code traps: the end of the current task's
/// saved-register area (see `arch::trap`).
#[inline(always)]
pub fn set_kernel_entry_stack(top: u64) {
    // SAFETY: single core, interrupts are off in the kernel; the CPU reads RSP0 only on a trap from
    // user mode, which cannot happen while we write it. `top` is the end of a task's save area, a
    // canonical kernel address (so `new_unsafe` skips a sign extension on the IPC path).
    unsafe { (*core::ptr::addr_of_mut!(TSS)).privilege_stack_table[0] = VirtAddr::new_unsafe(top) };
}
