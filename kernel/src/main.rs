//! The kernel image the runner boots normally.
#![no_std]
#![no_main]

bootloader_api::entry_point!(main, config = &kernel::boot::BOOTLOADER_CONFIG);

fn main(boot_info: &'static mut bootloader_api::BootInfo) -> ! {
    kernel::boot::start(boot_info, |_, _| {})
}
