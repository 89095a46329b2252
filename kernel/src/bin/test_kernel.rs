//! The kernel plus deliberate failures, chosen by words on the boot command line. Only the tests
//! boot this image; the normal image cannot do any of this.
#![no_std]
#![no_main]

bootloader_api::entry_point!(main, config = &kernel::boot::BOOTLOADER_CONFIG);

fn main(boot_info: &'static mut bootloader_api::BootInfo) -> ! {
    kernel::boot::start(boot_info, Some(deliberate_failures))
}

fn deliberate_failures(cmdline: &str) {
    for word in cmdline.split_whitespace() {
        match word {
            "test:panic" => panic!("deliberate panic requested by the boot command line"),
            "test:breakpoint" => x86_64::instructions::interrupts::int3(),
            "test:pagefault" => {
                // SAFETY: deliberately unsound: this address is unmapped, the fault is the test.
                let value = unsafe { core::ptr::read_volatile(0xdead_b000 as *const u64) };
                kernel::kprintln!("read {value} from an unmapped address?!");
            }
            "test:invalid-opcode" => {
                // SAFETY: `ud2` raises #UD, which the kernel must report; nothing else happens.
                unsafe { core::arch::asm!("ud2") }
            }
            "test:hang" => loop {
                core::hint::spin_loop();
            },
            _ => {}
        }
    }
}
