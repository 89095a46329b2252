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

pub fn enable_protection() -> Features {
    let max_leaf = __cpuid_count(0, 0).eax;
    let ext = __cpuid_count(0x8000_0001, 0);
    let nx = ext.edx & (1 << 20) != 0;
    let leaf7 = match max_leaf {
        7.. => __cpuid_count(7, 0).ebx,
        _ => 0,
    };
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
        // Each on where the CPU has it (a bit it lacks is clear already).
        Cr4::update(|f| {
            f.set(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION, smep);
            f.set(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION, smap);
        });
    }
    Features { nx, smep, smap }
}

/// The faulting address of the last page fault.
pub fn cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

/// Loads the top-level page table `root` (a frame number) into CR3.
#[inline(always)]
pub fn switch_address_space(root: u64) {
    // SAFETY: every address space's top level shares the kernel half of the boot tables, so the
    // kernel's code, data and stacks stay mapped across the switch. (Raw `mov`: the frame number
    // is known to be in range, so the crate's masking is not needed on the IPC path.)
    unsafe {
        core::arch::asm!("mov cr3, {}", in(reg) root << 12, options(nostack, preserves_flags));
    }
}

/// The data segment selectors DS, ES, FS and GS as user code left them, packed into one word
/// (DS in the lowest 16 bits, GS in the highest).
#[inline(always)]
pub fn data_segments() -> u64 {
    let mut packed = core::mem::MaybeUninit::<u64>::uninit();
    // SAFETY: reading segment registers has no side effects; each store writes 16 bits of `packed`
    // (memory stores of segment registers are exactly 16 bits, unlike register moves), DS lowest
    // (x86 is little-endian).
    unsafe {
        core::arch::asm!(
            "mov word ptr [{p}], ds", "mov word ptr [{p} + 2], es",
            "mov word ptr [{p} + 4], fs", "mov word ptr [{p} + 6], gs",
            p = in(reg) packed.as_mut_ptr(),
            options(nostack, preserves_flags),
        );
    }
    // SAFETY: the four stores above wrote all of it.
    unsafe { packed.assume_init() }
}

/// Loads DS, ES, FS and GS with selectors packed by [`data_segments`] (or zero).
///
/// Loading GS also sets the active GS base (to the descriptor's, 0), and in the kernel the active
/// one is this CPU's `PerCpu`. So GS is loaded between two `swapgs`, while the user's base is the
/// active one: the kernel's stays in place, and the user's becomes 0, which it always is here
/// (FSGSBASE is off, so user code cannot set another). Two instructions, no MSR write.
#[inline(never)]
pub fn load_data_segments(packed: u64) {
    let words = packed.to_le_bytes();
    // SAFETY: each selector is zero or was read from these registers while a task ran; user code
    // could only load null selectors or the user segments (DPL 3), which ring 0 can load as well.
    // In 64-bit mode the kernel never uses these segments, nor the FS base; between the `swapgs`
    // no interrupt can come (they are off in the kernel) and nothing reads through GS.
    unsafe {
        core::arch::asm!(
            "mov ds, word ptr [{p}]", "mov es, word ptr [{p} + 2]",
            "mov fs, word ptr [{p} + 4]", "swapgs", "mov gs, word ptr [{p} + 6]", "swapgs",
            p = in(reg) words.as_ptr(),
            options(nostack, preserves_flags, readonly),
        );
    }
}

/// Reads I/O port `port`, `width` bytes (1, 2 or 4; the caller checked it and the port).
#[cfg(not(test))]
pub fn port_in(port: u16, width: u64) -> u32 {
    use x86_64::instructions::port::PortRead;
    // SAFETY: a device's state, not the kernel's memory: the kernel's own devices (PICs, PIT, COM1)
    // or a port an I/O-port capability grants (checked against `abi::device::KERNEL_PORTS`).
    unsafe {
        match width {
            1 => u8::read_from_port(port).into(),
            2 => u16::read_from_port(port).into(),
            _ => u32::read_from_port(port),
        }
    }
}

/// Writes I/O port `port`, `width` bytes (1, 2 or 4; the caller checked it, the port and `value`).
#[cfg(not(test))]
pub fn port_out(port: u16, width: u64, value: u32) {
    use x86_64::instructions::port::PortWrite;
    // SAFETY: as in `port_in`.
    unsafe {
        match width {
            1 => u8::write_to_port(port, value as u8),
            2 => u16::write_to_port(port, value as u16),
            _ => u32::write_to_port(port, value),
        }
    }
}

#[cfg(test)]
pub use host_ports::{port_in, port_out, LAST_OUT};

/// Host tests: a read returns the port number; a write is remembered in `LAST_OUT`.
#[cfg(test)]
mod host_ports {
    pub static LAST_OUT: std::sync::Mutex<(u16, u64, u32)> = std::sync::Mutex::new((0, 0, 0));
    pub fn port_in(port: u16, _: u64) -> u32 {
        port as u32
    }
    pub fn port_out(port: u16, width: u64, value: u32) {
        *LAST_OUT.lock().unwrap() = (port, width, value);
    }
}
