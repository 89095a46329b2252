//! The kernel plus deliberate failures, chosen by words on the boot command line. Only the tests
//! boot this image; the normal image cannot do any of this.
#![no_std]
#![no_main]

bootloader_api::entry_point!(main, config = &kernel::boot::BOOTLOADER_CONFIG);

fn main(boot_info: &'static mut bootloader_api::BootInfo) -> ! {
    kernel::boot::start(boot_info, before_init)
}

/// `test:orphan=NAME` starts program NAME before init, with no fault endpoint: its faults are
/// the kernel's to report. `test:leak` takes a user frame that nothing maps and nobody will free,
/// before init's first census (so the run still passes): the memory viewer must show it leaked.
fn before_init(k: &mut kernel::sched::Kernel, fs: &abi::bootfs::BootFs) {
    deliberate_failures(fs.cmdline());
    for word in fs.cmdline().split_whitespace() {
        if let Some(name) = word.strip_prefix("test:orphan=") {
            // No capabilities and no fault endpoint: its faults are the kernel's to report.
            match kernel::first_server::load(k, fs, name, [0, 0], |_| Ok(())) {
                Ok((_, task)) => k.make_ready(task.index, false),
                Err(e) => panic!("cannot start orphan {name}: {e}"),
            }
        } else if word == "test:leak" {
            let user = kernel::mem::frames::FrameState::User { maps: 0 };
            let frame = k.frames.alloc(user).expect("a frame to leak");
            kernel::kprintln!("test kernel: leaked frame {frame:#x}");
        }
    }
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
