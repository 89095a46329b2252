//! Boot: from the bootloader's hand-off to the first user server.
use crate::mem::device::DeviceMemory;
use crate::mem::frames::{FrameState, FrameTable};
use crate::mem::phys::{self, PHYSICAL_MEMORY_OFFSET};
use crate::sched::Kernel;
use crate::{arch, entry, first_server, kprintln};
use abi::bootfs::BootFs;
use abi::device::PixelFormat;
use abi::layout::PAGE_SIZE;
use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::info::{self, FrameBuffer, MemoryRegion, MemoryRegionKind, MemoryRegions};
use bootloader_api::BootInfo;
use x86_64::registers::control::Cr3;
use x86_64::structures::paging::{OffsetPageTable, Translate};
use x86_64::VirtAddr;

pub const BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::FixedAddress(PHYSICAL_MEMORY_OFFSET));
    // Boot info, framebuffer, ramdisk and boot stack go high too, out of user space's way.
    config.mappings.dynamic_range_start = Some(0xFFFF_C000_0000_0000);
    config.kernel_stack_size = 128 * 1024;
    config
};

/// Runs just before init is created, with the kernel state and the boot archive: nothing in the
/// normal image, the deliberate failures of the test kernel.
pub type BeforeInit = fn(k: &mut Kernel, fs: &BootFs);

/// The kernel's main function, shared by the `kernel` and `test_kernel` binaries.
pub fn start(boot_info: &'static mut BootInfo, before_init: BeforeInit) -> ! {
    arch::serial::init();
    let features = arch::init();
    let archive = ramdisk(boot_info).expect("no boot archive (ramdisk) was given");
    let bootfs =
        BootFs::parse(archive).unwrap_or_else(|e| panic!("boot archive is damaged: {e:?}"));
    print_banner(&boot_info.memory_regions, features, &bootfs);
    let rsdp = boot_info.rsdp_addr.into_option();
    arch::smp::discover(rsdp, PHYSICAL_MEMORY_OFFSET);
    let trampoline =
        arch::smp::trampoline_place(usable(&boot_info.memory_regions).map(|r| r.start..r.end));
    entry::with_kernel(|k| start_kernel(k, boot_info, archive, &bootfs, before_init, trampoline));
    crate::irq::init();
    start_cpus(trampoline);
    entry::enter_user_mode()
}

/// Starts the other CPUs (they wait in `entry::cpu_started`), then frees the trampoline's pages.
fn start_cpus(trampoline: Option<u64>) {
    let Some(at) = trampoline else {
        return kprintln!("cpus: 1 (no room below 1 MiB to start the others)");
    };
    let root = entry::with_kernel(|k| k.kernel_root * PAGE_SIZE);
    let started = arch::smp::start_aps(at, root);
    for id in &started.silent {
        kprintln!("cpu with APIC id {id} did not answer; skipped");
    }
    let mut ids = heapless::String::<{ 11 * arch::percpu::MAX_CPUS }>::new();
    for id in &started.answered {
        let _ = core::fmt::write(&mut ids, format_args!(" {id}"));
    }
    kprintln!("cpus: {} (APIC ids{ids})", started.answered.len());
    let pages = at / PAGE_SIZE..(at + arch::smp::TRAMPOLINE_BYTES) / PAGE_SIZE;
    entry::with_kernel(|k| pages.for_each(|frame| k.frames.add_free(frame)));
}

/// Sets up frames, the console page and the framebuffer, runs `hook` and creates init.
/// (`trampoline`: pages kept out of the frame table until the other CPUs have started.)
fn start_kernel(
    k: &mut Kernel,
    boot: &BootInfo,
    archive: &[u8],
    fs: &BootFs,
    hook: BeforeInit,
    trampoline: Option<u64>,
) {
    let kept = trampoline.map_or(0..0, |at| {
        at / PAGE_SIZE..(at + arch::smp::TRAMPOLINE_BYTES) / PAGE_SIZE
    });
    init_frames(k, &boot.memory_regions, kept);
    k.framebuffer = boot.framebuffer.as_ref().and_then(framebuffer);
    let console = k.frames.alloc_zeroed(FrameState::Kernel);
    k.console_frame = console.expect("memory for the console page");
    let (boot_root, _) = Cr3::read();
    k.kernel_root = boot_root.start_address().as_u64() / PAGE_SIZE;
    k.active_root = k.kernel_root;
    hook(k, fs);
    first_server::start_init(k, archive, fs).unwrap_or_else(|e| panic!("cannot start init: {e}"));
    let (c, _) = k.frames.census();
    let (free, kernel, tables, user) = (c.free, c.kernel, c.page_table, c.user);
    kprintln!(
        "frames: {free} free, {kernel} kernel, {tables} page tables, {user} user; starting init"
    );
}

/// Builds the frame table over the bootloader's memory map. Its own storage is carved from the
/// first usable region big enough, and marked as kernel frames.
fn init_frames(k: &mut Kernel, regions: &MemoryRegions, kept: core::ops::Range<u64>) {
    let frame_count = usable(regions).map(|r| r.end).max().unwrap_or(0) / PAGE_SIZE;
    let state_bytes = frame_count * core::mem::size_of::<FrameState>() as u64;
    let bytes = (state_bytes + frame_count * 4).next_multiple_of(PAGE_SIZE);
    let start = usable(regions)
        .map(|r| r.start.next_multiple_of(PAGE_SIZE))
        .filter(|&s| s + bytes <= kept.start * PAGE_SIZE || s >= kept.end * PAGE_SIZE)
        .find(|&s| usable(regions).any(|r| r.start <= s && s + bytes <= r.end))
        .expect("room for the frame table");
    let n = frame_count as usize;
    // SAFETY: `[start, start + bytes)` is usable RAM nobody else uses (it is marked kernel below,
    // so the allocator never hands it out), page-aligned and so aligned for both element types.
    let (states, free) = unsafe { (phys::claim(start, n), phys::claim(start + state_bytes, n)) };
    k.frames = FrameTable::new(states, free);
    let storage = start / PAGE_SIZE..(start + bytes) / PAGE_SIZE;
    let frames = usable(regions).flat_map(|r| r.start.div_ceil(PAGE_SIZE)..r.end / PAGE_SIZE);
    for frame in frames.filter(|f| !storage.contains(f) && !kept.contains(f)) {
        k.frames.add_free(frame);
    }
    for frame in storage {
        k.frames.claim_for_kernel(frame);
    }
}

/// The framebuffer as device memory for the display driver: its frames (the bootloader reports
/// where it mapped it, the boot page tables where that is), if they lie below 4 GiB, which the
/// physical-memory window always covers (the kernel may follow a user pointer into them).
fn framebuffer(fb: &FrameBuffer) -> Option<DeviceMemory> {
    let root = phys::table(Cr3::read().0.start_address().as_u64() / PAGE_SIZE);
    // SAFETY: CR3 holds the bootloader's top-level table, all physical memory is mapped at the
    // offset, and nothing else uses the tables while boot reads them.
    let tables = unsafe { OffsetPageTable::new(root, VirtAddr::new(PHYSICAL_MEMORY_OFFSET)) };
    let start = tables.translate_addr(VirtAddr::from_ptr(fb.buffer().as_ptr()))?;
    let (i, pages) = (fb.info(), (fb.buffer().len() as u64).div_ceil(PAGE_SIZE));
    let format = match i.pixel_format {
        info::PixelFormat::Rgb => PixelFormat::Rgb,
        info::PixelFormat::Bgr => PixelFormat::Bgr,
        info::PixelFormat::U8 => PixelFormat::Gray,
        _ => PixelFormat::Unknown,
    };
    let mut geometry = [i.width, i.height, i.stride, i.bytes_per_pixel, 0, 0].map(|n| n as u64);
    geometry[4..].copy_from_slice(&[format.raw(), pages]);
    let first = start.as_u64() / PAGE_SIZE;
    let fits = start.is_aligned(PAGE_SIZE) && (first + pages) * PAGE_SIZE <= 1 << 32;
    fits.then_some(DeviceMemory { first, geometry })
}

/// The regions of the memory map that are usable RAM.
fn usable(regions: &MemoryRegions) -> impl Iterator<Item = &MemoryRegion> {
    regions
        .iter()
        .filter(|r| r.kind == MemoryRegionKind::Usable)
}

fn ramdisk(boot_info: &BootInfo) -> Option<&'static [u8]> {
    let addr = boot_info.ramdisk_addr.into_option()?;
    // SAFETY: the bootloader mapped the ramdisk at this address for `ramdisk_len` bytes and nothing
    // writes it.
    Some(unsafe { core::slice::from_raw_parts(addr as *const u8, boot_info.ramdisk_len as usize) })
}

fn print_banner(regions: &MemoryRegions, features: arch::cpu::Features, fs: &BootFs) {
    let mib = usable(regions).map(|r| r.end - r.start).sum::<u64>() >> 20;
    let top = usable(regions).map(|r| r.end).max().unwrap_or(0);
    let n = regions.len();
    let version = env!("CARGO_PKG_VERSION");
    kprintln!("mikros {version} — a capability microkernel");
    kprintln!("memory: {mib} MiB usable, top of usable memory {top:#x} ({n} regions)");
    let (nx, smep, smap) = (features.nx as u8, features.smep as u8, features.smap as u8);
    kprintln!("protection: NX={nx} SMEP={smep} SMAP={smap}");
    let (n, cmdline) = (fs.len(), fs.cmdline());
    kprintln!("boot archive: {n} programs, command line \"{cmdline}\"");
    for file in fs.files() {
        kprintln!("  {:<16} {:>8} bytes", file.name, file.data.len());
    }
}
