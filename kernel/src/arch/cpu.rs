//! CPU feature detection and the protection bits we turn on (NX, SMEP, SMAP, write-protect).
use core::arch::x86_64::__cpuid_count;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};

/// Which protections are on; printed in the boot banner.
#[derive(Clone, Copy, Debug)]
pub struct Features {
    pub nx: bool,
    pub smep: bool,
    pub smap: bool,
}

fn cpuid(leaf: u32, sub: u32) -> core::arch::x86_64::CpuidResult {
    #[allow(unused_unsafe)]
    // SAFETY: `cpuid` is available on every x86-64 CPU and only reads identification registers.
    unsafe {
        __cpuid_count(leaf, sub)
    }
}

pub fn enable_protection() -> Features {
    let max_leaf = cpuid(0, 0).eax;
    let ext = cpuid(0x8000_0001, 0);
    let nx = ext.edx & (1 << 20) != 0;
    let leaf7 = if max_leaf >= 7 { cpuid(7, 0).ebx } else { 0 };
    let smep = leaf7 & (1 << 7) != 0;
    let smap = leaf7 & (1 << 20) != 0;
    // SAFETY: setting NXE, WP, SMEP and SMAP only adds protection checks; the kernel never executes
    // or touches user pages through user addresses (it uses the physical-memory window), and every
    // kernel page is already mapped supervisor-only by the bootloader.
    unsafe {
        if nx {
            Efer::update(|f| f.insert(EferFlags::NO_EXECUTE_ENABLE));
        }
        Cr0::update(|f| f.insert(Cr0Flags::WRITE_PROTECT));
        Cr4::update(|f| {
            if smep {
                f.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
            }
            if smap {
                f.insert(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
            }
        });
    }
    Features { nx, smep, smap }
}

/// The faulting address of the last page fault.
pub fn cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

/// Loads the top-level page table `root` (a frame number) into CR3.
pub fn switch_address_space(root: u64) {
    use x86_64::registers::control::{Cr3, Cr3Flags};
    use x86_64::structures::paging::PhysFrame;
    let frame = PhysFrame::containing_address(x86_64::PhysAddr::new_truncate(
        root * abi::layout::PAGE_SIZE,
    ));
    // SAFETY: every address space's top level shares the kernel half of the boot tables, so the
    // kernel's code, data and stacks stay mapped across the switch.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
}
