//! Argument values, biased to the edges where kernels break: slot numbers at and past the end of
//! the table (and ones that would alias a real slot if the kernel truncated them to 32 bits),
//! addresses at page, table and half boundaries, frames the workers own and frames that exist
//! for nobody, rights with unknown bits, message tags with flags and oversize counts.
use crate::shared::{FRAMES, SEEN};
use userlib::abi::space::{ShareMode, UnmapFlags};
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, STACK_TOP, USER_END, USER_TOP};
use userlib::rng::Rng;
use userlib::MsgTag;

/// The capabilities the driver gives each worker, by slot.
pub mod wslot {
    /// An endpoint both workers send and receive on (all rights).
    pub const PAIR: u64 = 0;
    /// A badged copy of it (send and grant).
    pub const BADGED: u64 = 1;
    /// An endpoint nobody can receive on (send and grant).
    pub const DEAD: u64 = 2;
    /// Init's endpoint shared by all programs (send, receive, grant).
    pub const SHARED: u64 = 3;
    /// Privileged mode only: the frame pool, the scratch address space, the victim task (in the
    /// scratch space) and the worker itself.
    pub const POOL: u64 = 4;
    pub const SPACE: u64 = 5;
    pub const VICTIM: u64 = 6;
    pub const SELF: u64 = 7;
    /// A notification both workers signal, wait on, poll and bind (all rights).
    pub const NOTE: u64 = 8;
    /// Privileged mode only: the system capability with `DEVICE` (interrupt lines, I/O ports).
    pub const DEVICE: u64 = 9;

    pub const FIRST_FREE: u64 = 10;

    /// The slots the driver fills, which the fuzzer never empties (it deletes copies instead):
    /// the workers keep their endpoints, and their privileges, for the whole epoch, and the two
    /// task capabilities are how the fuzzer knows a task is one the driver destroys (see
    /// `gen::prepare`).
    pub fn protected(slot: u64) -> bool {
        slot < FIRST_FREE
    }
}

/// Where the workers map pages in the scratch spaces. Nothing is mapped there in the driver's own
/// space, so a worker sent there by `TaskWriteRegs` faults rather than running the driver's code.
pub const PLAYGROUND: u64 = 0x0000_3000_0000_0000;

/// Page addresses to map, unmap, protect and query: a few neighbours, both sides of a page-table,
/// a directory and a top-level boundary (so tables are made and freed), and the fixed pages.
const PAGES: [u64; 16] = [
    PLAYGROUND,
    PLAYGROUND + PAGE_SIZE,
    PLAYGROUND + 2 * PAGE_SIZE,
    PLAYGROUND + 3 * PAGE_SIZE,
    PLAYGROUND + 0x1F_F000,
    PLAYGROUND + 0x20_0000,
    PLAYGROUND + 0x3FFF_F000,
    PLAYGROUND + 0x4000_0000,
    PLAYGROUND + 0x7F_FFFF_F000,
    PLAYGROUND + 0x80_0000_0000,
    0,
    PAGE_SIZE,
    CONSOLE,
    IPC_BUFFER,
    STACK_TOP - PAGE_SIZE,
    USER_TOP - PAGE_SIZE,
];

/// Addresses no page may be mapped at: unaligned, the unmappable top page, the end of the lower
/// half, non-canonical, the physical-memory window, the bootloader's area, the kernel.
const BAD_ADDRESSES: [u64; 20] = [
    1,
    0xFFF,
    0x1001,
    IPC_BUFFER + 8,
    USER_TOP - 1,
    USER_TOP,
    USER_END - 1,
    USER_END,
    USER_END + PAGE_SIZE,
    1 << 48,
    0x0000_FFFF_FFFF_F000,
    0xFFFF_7FFF_FFFF_F000,
    0xFFFF_8000_0000_0000,
    0xFFFF_8000_0010_0000,
    0xFFFF_8000_07FE_0000,
    0xFFFF_C000_0000_0000,
    0xFFFF_FFFF_8000_0000,
    0xFFFF_FFFF_FFFF_F000,
    1 << 63,
    u64::MAX,
];

/// Slots past the table, and ones equal to a real slot in their low 32 bits.
const BAD_SLOTS: [u64; 10] = [
    64,
    65,
    127,
    255,
    1 << 16,
    1 << 32,
    (1 << 32) | wslot::POOL,
    (1 << 32) | wslot::SELF,
    1 << 63,
    u64::MAX,
];

/// Frame numbers no pool can have given out: zero, the end of RAM, beyond any RAM, and numbers
/// that are not frame numbers at all.
const BAD_FRAMES: [u64; 10] = [
    0,
    0x7FE0,
    0x8000,
    0xF_FFFF,
    1 << 20,
    0x7FFF_FFFF,
    1 << 32,
    1 << 40,
    u64::MAX >> 12,
    u64::MAX,
];

/// Any value at all, most of them edges.
pub fn any(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => 0,
        1 => 1,
        2 => u64::MAX,
        3 => rng.pick(&[1 << 31, 1 << 32, 1 << 63, i64::MAX as u64, u32::MAX as u64]),
        4 => rng.below(64),
        _ => rng.next_u64(),
    }
}

/// A message word or other free-form argument.
pub fn word(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=3 => rng.below(16),
        4..=6 => rng.next_u64(),
        _ => any(rng),
    }
}

/// A capability slot: mostly where the capabilities are, sometimes far out.
pub fn slot(rng: &mut Rng) -> u64 {
    match rng.below(20) {
        0..=6 => rng.below(8),
        7..=13 => 8 + rng.below(16),
        14..=16 => 24 + rng.below(40),
        _ => rng.pick(&BAD_SLOTS),
    }
}

/// A slot, mostly one of `likely` (where the right kind of capability usually is).
pub fn slot_of(rng: &mut Rng, likely: &[u64]) -> u64 {
    if rng.percent(65) {
        rng.pick(likely)
    } else {
        slot(rng)
    }
}

/// A destination slot: mostly the free part of the table.
pub fn dst_slot(rng: &mut Rng) -> u64 {
    match rng.below(20) {
        0..=15 => 8 + rng.below(16),
        16..=17 => rng.below(64),
        _ => rng.pick(&BAD_SLOTS),
    }
}

/// A slot no capability can be in (for calls the fuzzer wants to fail).
pub fn bad_slot(rng: &mut Rng) -> u64 {
    rng.pick(&BAD_SLOTS[..6])
}

/// A page address to map or look up.
pub fn page(rng: &mut Rng) -> u64 {
    match rng.below(20) {
        0..=11 => rng.pick(&PAGES),
        12..=16 => rng.pick(&BAD_ADDRESSES),
        17..=18 => rng.next_u64() & 0x0000_7FFF_FFFF_F000,
        _ => rng.next_u64(),
    }
}

/// A pointer for the kernel to read.
pub fn pointer(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=3 => rng.pick(&BAD_ADDRESSES),
        4..=6 => rng.pick(&PAGES) + rng.pick(&[0, 8, PAGE_SIZE - 8]),
        _ => any(rng),
    }
}

/// A length for the kernel to read.
pub fn length(rng: &mut Rng) -> u64 {
    rng.pick(&[
        0,
        1,
        16,
        PAGE_SIZE - 1,
        PAGE_SIZE,
        PAGE_SIZE + 1,
        1 << 32,
        u64::MAX,
        u64::MAX - PAGE_SIZE + 1,
    ])
}

/// A frame number: mostly one the workers allocated, else one nobody has.
pub fn frame(rng: &mut Rng) -> u64 {
    let n = FRAMES.len() as u64;
    match rng.below(10) {
        0..=5 if n > 0 => FRAMES.get(rng.below(n) as usize),
        6 if n > 0 => FRAMES.get(rng.below(n) as usize) | 1 << 32,
        _ => rng.pick(&BAD_FRAMES),
    }
}

/// A capability rights mask, sometimes with bits no right has.
pub fn rights(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=5 => rng.below(64),
        6 => 0x3F,
        7 => 0,
        8 => rng.below(64) | 1 << (6 + rng.below(58)),
        _ => u64::MAX,
    }
}

/// Page rights (write, execute), sometimes with unknown bits.
pub fn page_rights(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=7 => rng.below(4),
        8 => 4 | rng.below(4),
        _ => rng.pick(&[0xFF, 1 << 63, u64::MAX]),
    }
}

/// A message tag: any label (the kernel's fault labels too), word and capability counts up to and
/// past the limits, and now and then a flag only the kernel may set or an unknown bit.
pub fn tag(rng: &mut Rng) -> u64 {
    let label = match rng.below(8) {
        0..=4 => rng.next_u64() as u32,
        5 => 0,
        6 => rng.pick(&[0xFFFF_0001, 0xFFFF_0002, 0xFFFF_0003]),
        _ => u32::MAX,
    } as u64;
    let words = match rng.below(10) {
        0..=5 => rng.below(5),
        6..=8 => 5 + rng.below(60),
        _ => rng.pick(&[65, 128, 255]),
    };
    let caps = match rng.below(10) {
        0..=5 => 0,
        6..=8 => 1 + rng.below(3),
        _ => 4 + rng.below(12),
    };
    let mut tag = label | words << 32 | caps << 40;
    if rng.one_in(8) {
        let unknown = rng.next_u64() << 44;
        tag |= rng.pick(&[
            MsgTag::CALL,
            MsgTag::KERNEL,
            MsgTag::CAPS_LOST,
            1 << 47,
            1 << 63,
            unknown,
        ]);
    }
    tag
}

/// A badge for `CapMint` (zero is refused).
pub fn badge(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => 0,
        1 => 1 + rng.below(8),
        2 => u64::MAX,
        _ => rng.next_u64(),
    }
}

/// A task id for `Reply`'s `r12`: mostly one seen, sometimes its next generation (stale), none
/// (`u64::MAX`), a bare index, or anything.
pub fn task_id(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=5 => SEEN.get(rng.below(8) as usize),
        6 => SEEN.get(rng.below(8) as usize).wrapping_add(1 << 16),
        7 => u64::MAX,
        8 => rng.below(64),
        _ => any(rng),
    }
}

/// `AsUnmap`'s flags: none, `RELEASE`, or unknown bits.
pub fn unmap_flags(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=4 => 0,
        5..=8 => UnmapFlags::RELEASE.bits(),
        _ => rng.pick(&[2, 1 << 63, u64::MAX]),
    }
}

/// An `AsShare` range: a few pages, a page table, a whole half, or edges and nonsense.
pub fn range(rng: &mut Rng) -> (u64, u64) {
    let start = match rng.below(10) {
        0..=6 => PLAYGROUND,
        _ => page(rng),
    };
    let end = match rng.below(10) {
        0..=3 => start.wrapping_add(rng.pick(&[1, 4, 512, 513]) * PAGE_SIZE),
        4..=5 => USER_TOP,
        6 => start,
        7 => start.wrapping_sub(PAGE_SIZE),
        _ => page(rng),
    };
    (start, end)
}

/// An `AsShare` mode: copy-on-write, eager, other masks, unknown bits.
pub fn share_mode(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=3 => ShareMode::COPY_ON_WRITE.to_word(),
        4..=6 => ShareMode::EAGER.to_word(),
        7..=8 => rng.below(1 << 17),
        _ => rng.next_u64(),
    }
}

/// Ports for `IoPortCreate`: only ones no device QEMU emulates acts on (0x80, the POST port; COM2,
/// absent), and the kernel's, which must be refused. Never anything else: a port the fuzzer
/// could write at random might reset the machine (the keyboard controller's 0x64).
pub fn port_range(rng: &mut Rng) -> (u64, u64) {
    rng.pick(&[
        (0x80, 1),
        (0x2F8, 8),
        (0x2FC, 4),
        (0x20, 2),
        (0x3FB, 1),
        (0xF4, 4),
        (0xCF8, 8),
        (0x40, 0x10000),
        (0xFFFF, 2),
        (0x80, 0),
    ])
}

/// A port to read or write (some outside every range the fuzzer is given).
pub fn port(rng: &mut Rng) -> u64 {
    rng.pick(&[0x80, 0x2F8, 0x2FA, 0x2FF, 0x300, 0x7F, 0x3FB, u64::MAX])
}
