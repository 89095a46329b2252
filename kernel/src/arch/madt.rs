//! ACPI, as much as bring-up needs: from the RSDP to the MADT (RSDT or XSDT), and from it the
//! local APIC ids, the I/O APIC and the ISA interrupt source overrides. Pure logic over a reader
//! of physical memory (unit-tested on the host with tables built in the test): every length is
//! checked, every checksum verified; a table that does not parse is not used.
use super::percpu::MAX_CPUS;

/// Where ISA line `n` arrives at the I/O APIC (identity unless an override says otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsaRoute {
    pub gsi: u32,
    pub active_low: bool,
    pub level: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Madt {
    pub local_apic: u64,
    /// The enabled CPUs' APIC ids, in the table's order (at most `MAX_CPUS` kept).
    pub apic_ids: heapless::Vec<u32, MAX_CPUS>,
    /// The first I/O APIC's address and first GSI.
    pub io_apic: u64,
    pub gsi_base: u32,
    pub isa: [IsaRoute; 16],
}

impl Default for Madt {
    /// A PC's usual layout, for a machine without a usable MADT: one CPU, the APICs where PCs
    /// put them, ISA lines wired straight.
    fn default() -> Madt {
        let isa = core::array::from_fn(|n| IsaRoute {
            gsi: n as u32,
            active_low: false,
            level: false,
        });
        Madt {
            local_apic: 0xFEE0_0000,
            apic_ids: heapless::Vec::new(),
            io_apic: 0xFEC0_0000,
            gsi_base: 0,
            isa,
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn sums_to_zero(b: &[u8]) -> bool {
    b.iter().fold(0u8, |s, &x| s.wrapping_add(x)) == 0
}

/// The whole table at `addr` if its header is readable, its length sane and its checksum right.
fn table<'a>(read: &impl Fn(u64, usize) -> Option<&'a [u8]>, addr: u64) -> Option<&'a [u8]> {
    let len = u32_at(read(addr, 36)?, 4) as usize;
    let t = read(addr, len).filter(|_| len >= 36)?;
    sums_to_zero(t).then_some(t)
}

/// Finds and parses the MADT from the RSDP at `rsdp`; `read(addr, len)` gives `len` bytes of
/// physical memory at `addr` (or `None`).
pub fn parse<'a>(rsdp: u64, read: impl Fn(u64, usize) -> Option<&'a [u8]>) -> Option<Madt> {
    let r = read(rsdp, 20).filter(|r| r.starts_with(b"RSD PTR ") && sums_to_zero(r))?;
    // ACPI 2+: the XSDT's 64-bit entries (its own checksum over 36 bytes); else the RSDT's.
    let xsdt = (r[15] >= 2)
        .then(|| read(rsdp, 36))
        .flatten()
        .filter(|x| sums_to_zero(x));
    let (root, width) = match xsdt {
        Some(x) => (u64_at(x, 24), 8),
        None => (u32_at(r, 16).into(), 4),
    };
    let root = table(&read, root)?;
    let madt = root[36..].chunks_exact(width).find_map(|e| {
        let addr = if width == 8 {
            u64_at(e, 0)
        } else {
            u32_at(e, 0).into()
        };
        table(&read, addr).filter(|t| t.starts_with(b"APIC"))
    })?;
    Some(entries(madt))
}

/// Reads the MADT's entries (type, length, body); stops at one that does not fit.
fn entries(t: &[u8]) -> Madt {
    let mut m = Madt {
        local_apic: u32_at(t, 36).into(),
        ..Madt::default()
    };
    let mut io_apic_seen = false;
    let mut at = 44;
    while at + 2 <= t.len() {
        let (kind, len) = (t[at], t[at + 1] as usize);
        let Some(e) = t.get(at..at + len).filter(|_| len >= 2) else {
            break;
        };
        match (kind, len) {
            // A local APIC (its id at 3) or a local x2APIC (its id at 4); bit 0 of the flags:
            // enabled. (Bit 1, "online capable", is hot-plug, which the kernel does not do.)
            (0, 8) if u32_at(e, 4) & 1 != 0 => _ = m.apic_ids.push(e[3].into()),
            (9, 16) if u32_at(e, 8) & 1 != 0 => _ = m.apic_ids.push(u32_at(e, 4)),
            (1, 12) if !io_apic_seen => {
                (m.io_apic, m.gsi_base, io_apic_seen) = (u32_at(e, 4).into(), u32_at(e, 8), true);
            }
            // An override of an ISA line (bus 0): polarity in flag bits 0-1 (3 = active low),
            // trigger mode in bits 2-3 (3 = level); 0 means the bus's default (ISA: high, edge).
            (2, 10) if e[2] == 0 && e[3] < 16 => {
                let flags = u16::from_le_bytes([e[8], e[9]]);
                let (active_low, level) = (flags & 3 == 3, flags >> 2 & 3 == 3);
                m.isa[e[3] as usize] = IsaRoute {
                    gsi: u32_at(e, 4),
                    active_low,
                    level,
                };
            }
            (5, 12) => m.local_apic = u64_at(e, 4),
            _ => {}
        }
        at += len;
    }
    m
}
