//! The MADT parser against ACPI tables built here, laid out in a pretend physical memory; and
//! where the AP trampoline goes.
use crate::arch::madt::{parse, IsaRoute, Madt};
use crate::arch::percpu::MAX_CPUS;
use crate::arch::smp::trampoline_place;

const RSDP: u64 = 0xE_0000;
const ROOT: u64 = 0x7FE_0000;
const MADT: u64 = 0x7FE_1000;
const FACP: u64 = 0x7FE_2000;

/// Sets byte `at` so that `bytes[range]` sums to zero.
fn fix_sum(bytes: &mut [u8], at: usize, len: usize) {
    bytes[at] = 0;
    let sum = bytes[..len].iter().fold(0u8, |s, &b| s.wrapping_add(b));
    bytes[at] = sum.wrapping_neg();
}

/// A table: header (signature, length, checksum) then `body`.
fn sdt(signature: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut t = signature.to_vec();
    t.extend(((36 + body.len()) as u32).to_le_bytes());
    t.extend([1, 0]); // revision, checksum
    t.extend([b'M'; 26]); // OEM fields
    t.extend(body);
    let len = t.len();
    fix_sum(&mut t, 9, len);
    t
}

fn rsdp(revision: u8, rsdt: u32, xsdt: u64) -> Vec<u8> {
    let mut r = b"RSD PTR ".to_vec();
    r.extend([0, b'O', b'E', b'M', b'I', b'D', b'X', revision]);
    r.extend(rsdt.to_le_bytes());
    r.extend(36u32.to_le_bytes());
    r.extend(xsdt.to_le_bytes());
    r.extend([0; 4]);
    fix_sum(&mut r, 8, 20);
    fix_sum(&mut r, 32, 36);
    r
}

fn local_apic(id: u8, flags: u32) -> Vec<u8> {
    [vec![0, 8, id, id], flags.to_le_bytes().to_vec()].concat()
}

/// QEMU q35's entries, more or less: four CPUs (the third disabled), an x2APIC one, the I/O
/// APIC, and overrides of lines 0 (to GSI 2) and 9 (level, active low).
fn qemu_entries() -> Vec<u8> {
    let mut e = [
        local_apic(0, 1),
        local_apic(1, 1),
        local_apic(2, 0),
        local_apic(3, 1),
    ]
    .concat();
    e.extend([9, 16, 0, 0, 0x20, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0]); // x2APIC id 0x120
    e.extend([1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0]);
    e.extend([2, 10, 0, 0, 2, 0, 0, 0, 0, 0]);
    e.extend([2, 10, 0, 9, 9, 0, 0, 0, 0xF, 0]);
    e
}

fn madt(entries: &[u8]) -> Vec<u8> {
    let body = [0xFEE0_0000u32.to_le_bytes(), 1u32.to_le_bytes()].concat();
    sdt(b"APIC", &[body, entries.to_vec()].concat())
}

/// Pretend physical memory: (address, bytes) blobs; a read must lie within one.
fn run(memory: &[(u64, Vec<u8>)]) -> Option<Madt> {
    let read = |addr: u64, len: usize| {
        memory.iter().find_map(|(at, bytes)| {
            let start = addr.checked_sub(*at)? as usize;
            bytes.get(start..start + len)
        })
    };
    parse(RSDP, read)
}

fn xsdt_machine(madt_table: Vec<u8>) -> Vec<(u64, Vec<u8>)> {
    let xsdt = sdt(b"XSDT", &[FACP.to_le_bytes(), MADT.to_le_bytes()].concat());
    let facp = sdt(b"FACP", &[0; 8]);
    vec![
        (RSDP, rsdp(2, 0, ROOT)),
        (ROOT, xsdt),
        (MADT, madt_table),
        (FACP, facp),
    ]
}

#[test]
fn reads_cpus_io_apic_and_overrides_through_the_xsdt() {
    let m = run(&xsdt_machine(madt(&qemu_entries()))).expect("parses");
    assert_eq!(m.apic_ids, [0, 1, 3, 0x120], "enabled CPUs only, in order");
    assert_eq!(
        (m.local_apic, m.io_apic, m.gsi_base),
        (0xFEE0_0000, 0xFEC0_0000, 0)
    );
    let wired = |gsi| IsaRoute {
        gsi,
        active_low: false,
        level: false,
    };
    assert_eq!(m.isa[0], wired(2), "the PIT's line moved");
    assert_eq!(
        m.isa[9],
        IsaRoute {
            gsi: 9,
            active_low: true,
            level: true
        }
    );
    assert_eq!(
        (m.isa[1], m.isa[4]),
        (wired(1), wired(4)),
        "the others as wired"
    );
}

#[test]
fn an_acpi_1_machine_goes_through_the_rsdt() {
    let rsdt = sdt(b"RSDT", &(MADT as u32).to_le_bytes());
    let memory = [
        (RSDP, rsdp(0, ROOT as u32, 0)),
        (ROOT, rsdt),
        (MADT, madt(&qemu_entries())),
    ];
    assert_eq!(run(&memory).expect("parses").apic_ids, [0, 1, 3, 0x120]);
}

#[test]
fn a_damaged_table_is_not_used() {
    let mut bad_sum = madt(&qemu_entries());
    bad_sum[40] ^= 1;
    assert_eq!(run(&xsdt_machine(bad_sum)), None, "checksum");
    let mut memory = xsdt_machine(madt(&qemu_entries()));
    memory[0].1[0] = b'X';
    assert_eq!(run(&memory), None, "RSDP signature");
    let mut memory = xsdt_machine(madt(&qemu_entries()));
    memory[2].1.truncate(50);
    assert_eq!(run(&memory), None, "shorter than its length");
}

#[test]
fn entries_that_do_not_fit_end_the_list() {
    for tail in [vec![0, 0, 5, 5], vec![0, 1], vec![0, 8, 7, 7, 1]] {
        let m = run(&xsdt_machine(madt(&[local_apic(4, 1), tail].concat()))).expect("parses");
        assert_eq!(m.apic_ids, [4], "stopped at {:?}", m.apic_ids);
    }
}

#[test]
fn at_most_max_cpus_are_kept() {
    let many: Vec<u8> = (0..20).flat_map(|id| local_apic(id, 1)).collect();
    let m = run(&xsdt_machine(madt(&many))).expect("parses");
    assert_eq!(m.apic_ids.len(), MAX_CPUS);
    assert_eq!(m.apic_ids.last(), Some(&(MAX_CPUS as u32 - 1)));
}

#[test]
fn the_trampoline_goes_at_the_end_of_low_usable_memory() {
    let low = |r: &[(u64, u64)]| trampoline_place(r.iter().map(|&(s, e)| s..e));
    assert_eq!(low(&[(0, 0x9F000), (0x100000, 0x800_0000)]), Some(0x9D000));
    assert_eq!(low(&[(0x500, 0x9FC00)]), Some(0x9D000), "whole pages");
    assert_eq!(low(&[(0x80000, 0x200000)]), Some(0xFE000), "below 1 MiB");
    assert_eq!(
        low(&[(0, 0x2000), (0x100000, 0x200000)]),
        None,
        "not page 0"
    );
    assert_eq!(low(&[(0x1000, 0x3000)]), Some(0x1000));
}
