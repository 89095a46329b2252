//! Boot: from the bootloader's hand-off to the first user server.
use crate::{arch, console, framebuffer::Screen, kprintln};
use abi::bootfs::BootFs;
use abi::qemu::ExitCode;
use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::info::{MemoryRegionKind, MemoryRegions};
use bootloader_api::BootInfo;

/// Where the bootloader maps all physical memory: the start of the upper half. Everything the
/// kernel needs lives in the upper half, so user space owns the whole lower half.
pub const PHYSICAL_MEMORY_OFFSET: u64 = 0xFFFF_8000_0000_0000;

pub const BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::FixedAddress(PHYSICAL_MEMORY_OFFSET));
    // Boot info, framebuffer, ramdisk and boot stack go high too, out of user space's way.
    config.mappings.dynamic_range_start = Some(0xFFFF_C000_0000_0000);
    config.kernel_stack_size = 128 * 1024;
    config
};

/// Test-only behaviour a kernel binary may plug in; it sees the boot command line.
pub type BootHook = fn(cmdline: &str);

/// The kernel's main function, shared by the `kernel` and `test_kernel` binaries.
pub fn start(boot_info: &'static mut BootInfo, hook: Option<BootHook>) -> ! {
    arch::serial::init();
    arch::trap::init_kernel_stack();
    let features = arch::init();
    if let Some(fb) = boot_info.framebuffer.as_mut() {
        let info = fb.info();
        // SAFETY: the framebuffer is mapped for the kernel's lifetime and only the console uses it.
        let buf =
            unsafe { core::slice::from_raw_parts_mut(fb.buffer_mut().as_mut_ptr(), info.byte_len) };
        console::attach_screen(Screen::new(buf, info));
    }

    let ramdisk = ramdisk(boot_info);
    print_banner(&boot_info.memory_regions, features, ramdisk);
    let bootfs = match ramdisk.map(BootFs::parse) {
        Some(Ok(fs)) => fs,
        Some(Err(e)) => panic!("boot archive is damaged: {e:?}"),
        None => panic!("no boot archive (ramdisk) was given"),
    };
    if let Some(hook) = hook {
        hook(bootfs.cmdline());
    }
    kprintln!("no init server yet: nothing to run");
    arch::exit::qemu_exit(ExitCode::Success)
}

fn ramdisk(boot_info: &BootInfo) -> Option<&'static [u8]> {
    let addr = boot_info.ramdisk_addr.into_option()?;
    // SAFETY: the bootloader mapped the ramdisk at this address for `ramdisk_len` bytes and nothing
    // writes it.
    Some(unsafe { core::slice::from_raw_parts(addr as *const u8, boot_info.ramdisk_len as usize) })
}

fn print_banner(regions: &MemoryRegions, features: arch::cpu::Features, ramdisk: Option<&[u8]>) {
    let usable: u64 = regions
        .iter()
        .filter(|r| r.kind == MemoryRegionKind::Usable)
        .map(|r| r.end - r.start)
        .sum();
    let top = regions
        .iter()
        .filter(|r| r.kind == MemoryRegionKind::Usable)
        .map(|r| r.end)
        .max()
        .unwrap_or(0);
    kprintln!(
        "mikros {} — a capability microkernel",
        env!("CARGO_PKG_VERSION")
    );
    kprintln!(
        "memory: {} MiB usable, top of usable memory {:#x} ({} regions)",
        usable >> 20,
        top,
        regions.len()
    );
    kprintln!(
        "protection: NX={} SMEP={} SMAP={}",
        features.nx as u8,
        features.smep as u8,
        features.smap as u8
    );
    match ramdisk.map(BootFs::parse) {
        Some(Ok(fs)) => {
            kprintln!(
                "boot archive: {} programs, command line \"{}\"",
                fs.len(),
                fs.cmdline()
            );
            for file in fs.files() {
                kprintln!("  {:<16} {:>8} bytes", file.name, file.data.len());
            }
        }
        Some(Err(e)) => kprintln!("boot archive: damaged ({e:?})"),
        None => kprintln!("boot archive: none"),
    }
}
