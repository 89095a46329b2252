//! Kernel memory, the physical-memory window and user pages used against their rights: every
//! access must kill the program with a page fault (a #GP for a non-canonical address).
use test_programs::hostile::asm::{execute, load, sgdt, sidt, store};
use test_programs::hostile::case::{kill, Case};
use userlib::abi::registry::LINK_SPACING;
use userlib::layout::{CONSOLE, IPC_BUFFER, USER_END, USER_TOP};

/// Where the kernel maps all physical memory (kernel/src/boot.rs, `PHYSICAL_MEMORY_OFFSET`).
const PHYSICAL_WINDOW: u64 = 0xFFFF_8000_0000_0000;
/// Where the kernel image is linked.
const KERNEL_TEXT: u64 = 0xFFFF_FFFF_8000_0000;
/// The bootloader's dynamic range: boot information, framebuffer, the boot stack.
const BOOT_DATA: u64 = 0xFFFF_C000_0000_0000;
/// Where this program is linked (its `programs.list`): programs are linked at multiples of
/// `LINK_SPACING`, and this one's code is well within its first 16 MiB. Its first page is
/// read-only.
fn image_base() -> u64 {
    own_code() & !(LINK_SPACING - 1)
}

/// A writable static, to try running code from (it is mapped without EXECUTE).
static mut DATA: [u8; 16] = [0xc3; 16]; // `ret`

pub const CASES: &[Case] = &[
    kill(1, "read the physical-memory window", || {
        load(PHYSICAL_WINDOW);
    }),
    kill(2, "write the physical-memory window", || {
        store(PHYSICAL_WINDOW, 0)
    }),
    kill(3, "execute the physical-memory window", || {
        execute(PHYSICAL_WINDOW)
    }),
    kill(4, "write the kernel's physical memory at 1 MiB", || {
        store(PHYSICAL_WINDOW + 0x10_0000, 0)
    }),
    kill(5, "read kernel text", || {
        load(KERNEL_TEXT);
    }),
    kill(6, "write kernel text", || store(KERNEL_TEXT, 0)),
    kill(7, "execute kernel text", || execute(KERNEL_TEXT)),
    kill(8, "read the kernel's GDT (kernel data)", || {
        load(sgdt().base);
    }),
    kill(9, "write the kernel's IDT (kernel data)", || {
        store(sidt().base, 0)
    }),
    kill(10, "read the boot data (boot stack, framebuffer)", || {
        load(BOOT_DATA);
    }),
    kill(11, "read a non-canonical address", || {
        load(USER_END);
    }),
    kill(12, "write a non-canonical address", || {
        store(0xDEAD_0000_0000_0000, 0)
    }),
    kill(13, "execute a non-canonical address", || execute(USER_END)),
    kill(14, "read a null pointer", || {
        load(0);
    }),
    kill(15, "read the never-mapped top page", || {
        load(USER_TOP);
    }),
    kill(16, "write across the end of user space", || {
        store(USER_END - 4, 0)
    }),
    kill(17, "write its own read-only first page", || {
        store(image_base(), 0)
    }),
    kill(18, "write its own code", || store(own_code() & !7, 0)),
    kill(19, "execute its stack", || {
        let code = [0xc3u8; 16]; // `ret`
        execute(code.as_ptr() as u64)
    }),
    kill(20, "execute its data", || {
        execute(core::ptr::addr_of!(DATA) as u64)
    }),
    kill(21, "execute the IPC buffer", || execute(IPC_BUFFER)),
    kill(22, "execute the console page", || execute(CONSOLE)),
];

/// An address in this program's code.
fn own_code() -> u64 {
    own_code as fn() -> u64 as usize as u64
}
