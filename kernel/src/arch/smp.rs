//! Starting the application processors: the MADT says which there are; each gets INIT, SIPI,
//! SIPI and starts in real mode in a trampoline copied below 1 MiB, which switches to long mode
//! and jumps to [`ap_entry`] on that CPU's kernel stack. One at a time: each is given its index
//! and stack in the trampoline's parameters, and reports in before the next is started.
use super::madt::{self, Madt};
use super::percpu::{self, MAX_CPUS};
use super::{apic, cpu, entry, gdt, idt, ioapic};
use core::ops::Range;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Once;
use x86_64::registers::model_specific::Efer;

static MADT: Once<Madt> = Once::new();
/// The physical-memory window's offset (its virtual address of physical 0).
static WINDOW: AtomicU64 = AtomicU64::new(0);
/// The kernel's top-level table (physical), which each AP loads.
static KERNEL_ROOT: AtomicU64 = AtomicU64::new(0);
/// Set by the AP being started once it is set up, just before it calls `cpu_started`.
static ANSWERED: AtomicBool = AtomicBool::new(false);

/// The trampoline needs two pages: its code and a page table (see `build_table`).
pub const TRAMPOLINE_BYTES: u64 = 2 * 4096;

extern "C" {
    static ap_trampoline: u8;
    static ap_trampoline_params: u8;
    static ap_trampoline_end: u8;
    /// Where each AP goes once set up (`crate::entry`: called by name, as the entry code does).
    fn cpu_started() -> !;
}

/// What the trampoline reads, written by the boot CPU before each start.
#[repr(C)]
struct Params {
    table: u64,
    efer: u64,
    stack: u64,
    cpu: u64,
    entry: u64,
}

/// Reads the MADT (from the RSDP, through the physical-memory window at `window`), turns on the
/// boot CPU's local APIC and masks the I/O APIC's inputs. Without a usable MADT: one CPU, a PC's
/// usual addresses.
pub fn discover(rsdp: Option<u64>, window: u64) -> &'static Madt {
    WINDOW.store(window, Ordering::Relaxed);
    // ACPI tables lie below 4 GiB, which the window always covers.
    let read = |addr: u64, len: usize| {
        let fits = addr
            .checked_add(len as u64)
            .is_some_and(|end| end <= 1 << 32);
        // SAFETY: the window maps all physical memory below 4 GiB; the firmware's tables are
        // only read.
        fits.then(|| unsafe { core::slice::from_raw_parts((window + addr) as *const u8, len) })
    };
    let madt = MADT.call_once(|| rsdp.and_then(|r| madt::parse(r, read)).unwrap_or_default());
    apic::enable(true, window + madt.local_apic);
    percpu::set_apic_id(0, apic::id());
    ioapic::init(window + madt.io_apic, madt.gsi_base);
    madt
}

/// The MADT [`discover`] read.
pub fn madt() -> &'static Madt {
    MADT.get().expect("smp::discover ran")
}

/// Where to put the trampoline: the last [`TRAMPOLINE_BYTES`] of usable memory below 1 MiB (a
/// real-mode start address; the end, out of the way of what boot puts at a region's start), not
/// page 0. `usable` lists usable RAM.
pub fn trampoline_place(usable: impl Iterator<Item = Range<u64>>) -> Option<u64> {
    usable
        .filter_map(|r| {
            let at = (r.end.min(1 << 20) & !0xFFF).checked_sub(TRAMPOLINE_BYTES)?;
            (at >= r.start.max(4096)).then_some(at)
        })
        .max()
}

/// The CPUs bring-up found: those that answered and those that did not (APIC ids).
#[derive(Default)]
pub struct Started {
    pub answered: heapless::Vec<u32, MAX_CPUS>,
    pub silent: heapless::Vec<u32, MAX_CPUS>,
}

/// Starts every other enabled CPU in the MADT (up to `MAX_CPUS` in all), one at a time, with the
/// trampoline at physical `trampoline` (from [`trampoline_place`]; free again afterwards) and
/// the kernel's top-level table `root` (physical). A CPU that does not answer in 1 s gets
/// INIT again (back to waiting) and is skipped.
pub fn start_aps(trampoline: u64, root: u64) -> Started {
    let mut started = Started::default();
    let _ = started.answered.push(apic::id());
    let window = WINDOW.load(Ordering::Relaxed);
    KERNEL_ROOT.store(root, Ordering::Relaxed);
    // SAFETY: the trampoline's code is a link-time blob of these bounds; the two pages at
    // `trampoline` are usable RAM kept from the frame allocator, mapped in the window.
    let params = unsafe {
        let start = &raw const ap_trampoline;
        let len = (&raw const ap_trampoline_end).offset_from(start) as usize;
        core::ptr::copy_nonoverlapping(start, (window + trampoline) as *mut u8, len);
        build_table(window, trampoline, root);
        let offset = (&raw const ap_trampoline_params).offset_from(start) as u64;
        &mut *((window + trampoline + offset) as *mut Params)
    };
    params.table = trampoline + 4096;
    params.efer = Efer::read_raw() & !(1 << 10); // LME, NXE, SCE as here (LMA is the CPU's)
    params.entry = ap_entry as *const () as u64;
    let boot_cpu = started.answered[0];
    let others = madt().apic_ids.iter().filter(|&&id| id != boot_cpu);
    for &id in others.take(MAX_CPUS - 1) {
        let cpu = percpu::count();
        (params.stack, params.cpu) = (percpu::kernel_stack_top(cpu), cpu as u64);
        percpu::set_apic_id(cpu, id);
        ANSWERED.store(false, Ordering::Release);
        if start_one(id, trampoline) {
            percpu::add_started();
            let _ = started.answered.push(id);
        } else {
            apic::send(id, apic::INIT);
            let _ = started.silent.push(id);
        }
    }
    started
}

/// INIT, 10 ms, SIPI, 200 µs, SIPI (the Intel sequence), then up to 1 s for the CPU to answer
/// (generous: without `-icount` the PIT follows the host's clock, and a busy host may be slow to
/// run the CPU's thread).
fn start_one(id: u32, trampoline: u64) -> bool {
    let micros = |us: u32| (apic::PIT_HZ / 1000 * us / 1000) as u16;
    let sipi = apic::STARTUP | (trampoline >> 12) as u32;
    apic::send(id, apic::INIT);
    apic::pit_wait(micros(10_000));
    apic::send(id, sipi);
    apic::pit_wait(micros(200));
    if !ANSWERED.load(Ordering::Acquire) {
        apic::send(id, sipi);
    }
    (0..1000).any(|_| {
        apic::pit_wait(micros(1000));
        ANSWERED.load(Ordering::Acquire)
    })
}

/// The trampoline's page table, in the page after its code: the kernel half of `root` (entries
/// 256..511), and the code page mapped at its own address, which the CPU runs at when it turns
/// paging on. One page does it all, as PML4, PDPT, PD and page table at once: entry 0 points at
/// the page itself (so addresses below 2 MiB walk through it at every level), and entry
/// `code >> 12` (below 256: the code lies below 1 MiB) maps the code page.
///
/// # Safety
/// `trampoline` and the page after it are RAM nothing else uses; `root` is the kernel's table.
unsafe fn build_table(window: u64, trampoline: u64, root: u64) {
    let table = trampoline + 4096;
    // SAFETY: the caller's promise; both tables are page-aligned RAM in the window.
    let (t, kernel) = unsafe {
        let t = &mut *((window + table) as *mut [u64; 512]);
        (t, &*((window + root) as *const [u64; 512]))
    };
    t.fill(0);
    t[256..].copy_from_slice(&kernel[256..]);
    t[0] = table | 3; // present, writable
    t[(trampoline >> 12) as usize] = trampoline | 3;
}

/// Sets up CPU `cpu`, on it, interrupts off: its per-CPU area (GS), segments and TSS, the trap
/// table, the `syscall` MSRs and the protection bits. (The boot CPU's through `arch::init`.)
pub fn init_cpu(cpu: usize) -> cpu::Features {
    percpu::init(cpu);
    let selectors = gdt::init(cpu);
    idt::init();
    entry::init_syscall(&selectors);
    cpu::enable_protection()
}

/// An AP's first Rust code, on its own kernel stack: the kernel's tables (the trampoline's go
/// with the next bring-up), its segments, traps, syscall MSRs and protections, its local APIC and
/// timer; then it reports in and goes to `cpu_started`, interrupts off.
extern "C" fn ap_entry(cpu: usize) -> ! {
    let root = KERNEL_ROOT.load(Ordering::Relaxed);
    // SAFETY: the kernel's table maps the kernel half exactly as the trampoline's did.
    unsafe { core::arch::asm!("mov cr3, {}", in(reg) root, options(nostack, preserves_flags)) };
    init_cpu(cpu);
    apic::enable(false, 0);
    apic::start_timer();
    ANSWERED.store(true, Ordering::Release);
    // SAFETY: this CPU is fully set up, interrupts off, on its own stack, as `cpu_started` needs.
    unsafe { cpu_started() }
}

// Real mode at `trampoline` (CS = its address >> 4, IP = 0): everything is addressed from its
// start (in EBX); the far pointers and the GDT's base are filled in at run time for the same
// reason. Protected mode with a flat temporary GDT, then PAE, the table above, EFER (LME, and NXE
// for the kernel's tables), paging: compatibility mode; a far jump to the 64-bit segment, and an
// indirect jump to `ap_entry` (with a zero return address, the stack aligned as after a call).
core::arch::global_asm!(
    r#"
.pushsection .rodata.ap_trampoline, "a"
.code16
.global ap_trampoline
ap_trampoline:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    movzwl %ax, %ebx
    shll $4, %ebx
    leal (.Ltr_gdt - ap_trampoline)(%ebx), %eax
    movl %eax, (.Ltr_gdtr + 2 - ap_trampoline)
    leal (.Ltr_pm32 - ap_trampoline)(%ebx), %eax
    movl %eax, (.Ltr_far32 - ap_trampoline)
    leal (.Ltr_lm64 - ap_trampoline)(%ebx), %eax
    movl %eax, (.Ltr_far64 - ap_trampoline)
    lgdtl (.Ltr_gdtr - ap_trampoline)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl *(.Ltr_far32 - ap_trampoline)
.code32
.Ltr_pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl (.Ltr_params - ap_trampoline)(%ebx), %eax
    movl %eax, %cr3
    movl (.Ltr_params + 8 - ap_trampoline)(%ebx), %eax
    xorl %edx, %edx
    movl $0xC0000080, %ecx
    wrmsr
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0
    ljmpl *(.Ltr_far64 - ap_trampoline)(%ebx)
.code64
.Ltr_lm64:
    movl %ebx, %ebx
    movq (.Ltr_params + 16 - ap_trampoline)(%rbx), %rsp
    movq (.Ltr_params + 24 - ap_trampoline)(%rbx), %rdi
    pushq $0
    jmpq *(.Ltr_params + 32 - ap_trampoline)(%rbx)
.p2align 3
.Ltr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
    .quad 0x00af9a000000ffff
.Ltr_gdtr:
    .word 31
    .long 0
.Ltr_far32:
    .long 0
    .word 0x08
.Ltr_far64:
    .long 0
    .word 0x18
.p2align 3
.global ap_trampoline_params
ap_trampoline_params:
.Ltr_params:
    .fill 5, 8, 0
.global ap_trampoline_end
ap_trampoline_end:
.popsection
"#,
    options(att_syntax)
);
