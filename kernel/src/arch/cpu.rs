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

/// The data segment selectors DS, ES, FS and GS, as user code left them.
#[inline(always)]
pub fn data_segments() -> [u16; 4] {
    let (ds, es, fs, gs): (u32, u32, u32, u32);
    // SAFETY: reading segment registers has no side effects.
    unsafe {
        core::arch::asm!(
            "mov {0:e}, ds", "mov {1:e}, es", "mov {2:e}, fs", "mov {3:e}, gs",
            out(reg) ds, out(reg) es, out(reg) fs, out(reg) gs,
            options(nomem, nostack, preserves_flags),
        );
    }
    [ds as u16, es as u16, fs as u16, gs as u16]
}

/// Loads DS, ES, FS and GS with selectors read by [`data_segments`] (or zero).
#[inline(always)]
pub fn load_data_segments(s: [u16; 4]) {
    // SAFETY: each selector is zero or was read from these registers while a task ran; user code
    // could only load null selectors or the user segments (DPL 3), which ring 0 can load as well.
    // In 64-bit mode the kernel never uses these segments, and it does not use the FS/GS bases.
    unsafe {
        core::arch::asm!(
            "mov ds, {0:e}", "mov es, {1:e}", "mov fs, {2:e}", "mov gs, {3:e}",
            in(reg) s[0] as u32, in(reg) s[1] as u32, in(reg) s[2] as u32, in(reg) s[3] as u32,
            options(nomem, nostack, preserves_flags),
        );
    }
}
