//! Instructions user mode may not run: each must kill the program (#GP, or #UD for those that do
//! not exist outside ring 0 or in 64-bit mode; the breakpoint and debug traps as themselves).
use test_programs::hostile::asm::*;
use test_programs::hostile::case::{kill, Case};

/// The kernel's segments (kernel/src/arch/gdt.rs): code, data, and the TSS.
const KERNEL_CS: u16 = 0x08;
const KERNEL_DS: u16 = 0x10;
const TSS: u16 = 0x28;
/// Past the end of the GDT.
const BEYOND_GDT: u16 = 0x50;
/// QEMU's `isa-debug-exit` port: a write ends the whole run.
const DEBUG_EXIT_PORT: u16 = 0xf4;
const COM1: u16 = 0x3f8;
const EFER: u32 = 0xC000_0080;
const LSTAR: u32 = 0xC000_0082;

pub const CASES: &[Case] = &[
    kill(100, "hlt", hlt),
    kill(101, "cli", cli),
    kill(102, "sti", sti),
    kill(103, "in from the serial port", || {
        port_in(COM1);
    }),
    kill(104, "out to the debug-exit port", || {
        port_out(DEBUG_EXIT_PORT, 0x10)
    }),
    kill(105, "read cr0", || {
        read_cr0();
    }),
    kill(106, "clear cr0.WP", || write_cr0(0x8000_0011)),
    kill(107, "read cr3", || {
        read_cr3();
    }),
    kill(108, "load cr3", || write_cr3(0x1000)),
    kill(109, "read cr4", || {
        read_cr4();
    }),
    kill(110, "clear cr4 (SMEP, SMAP)", || write_cr4(0)),
    kill(111, "read cr8", || {
        read_cr8();
    }),
    kill(112, "rdmsr EFER", || {
        rdmsr(EFER);
    }),
    kill(113, "wrmsr LSTAR", || wrmsr(LSTAR, 0x1000)),
    kill(114, "lgdt", || lgdt(&sgdt())),
    kill(115, "lidt", || lidt(&sidt())),
    kill(116, "ltr", || ltr(TSS)),
    kill(117, "lldt", || lldt(0)),
    kill(118, "invlpg", || invlpg(0x1100_0000)),
    kill(119, "wbinvd", wbinvd),
    kill(120, "invd", invd),
    kill(121, "swapgs", swapgs),
    kill(122, "mov dr7", || write_dr7(0x3ff)),
    kill(123, "mov from dr6", || {
        read_dr6();
    }),
    kill(124, "clac", clac),
    kill(125, "stac", stac),
    kill(126, "clts", clts),
    kill(127, "lmsw", || lmsw(0)),
    kill(128, "iretq to ring 0", || {
        iretq_to(KERNEL_CS as u64, KERNEL_DS as u64)
    }),
    kill(129, "far return to ring 0", || {
        far_return_to(KERNEL_CS as u64)
    }),
    kill(130, "far jump to the TSS (a task switch)", || far_jump(TSS)),
    kill(131, "load ds with the kernel data segment", || {
        load_ds(KERNEL_DS)
    }),
    kill(132, "load ss with the kernel data segment", || {
        load_ss(KERNEL_DS)
    }),
    kill(133, "load fs past the end of the GDT", || {
        load_fs(BEYOND_GDT)
    }),
    kill(134, "load gs with the TSS", || load_gs(TSS)),
    kill(135, "sysretq", sysretq),
    kill(136, "sysenter", sysenter),
    kill(137, "int3", int3),
    kill(138, "into", into),
    kill(139, "icebp (int1)", icebp),
    kill(140, "ud2", ud2),
    kill(141, "wrfsbase", || wrfsbase(0x1000)),
    kill(142, "rdpmc", || {
        rdpmc(0);
    }),
    kill(143, "xsetbv", || xsetbv(0, 3)),
    kill(144, "rsm", rsm),
];
