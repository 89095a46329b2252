//! WeensyOS's `rand` (its `lib.cc`): a 32-bit linear congruential generator whose state is a
//! global, seeded with the same constant in every program, and `rand(min, max)` scaled into
//! `[min, max]`. Kept as WeensyOS has it because its programs depend on how it behaves: the state
//! lives in the data page, so a forked child continues the parent's sequence (p-forkexit's parent
//! and child draw the same `choice`).
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// WeensyOS's `RAND_MAX`.
pub const RAND_MAX: u32 = 0x7fff_ffff;
/// The seed `rand` starts from unless `srand` set one.
const DEFAULT_SEED: u32 = 819_234_718;

/// The generator's state (a static, so `fork` copies it as WeensyOS's does).
static SEED: AtomicU32 = AtomicU32::new(DEFAULT_SEED);

/// `srand(seed)`.
pub fn srand(seed: u32) {
    SEED.store(seed, Relaxed);
}

/// `rand()`: a number in `0..=RAND_MAX`.
pub fn rand() -> u32 {
    let next = SEED
        .load(Relaxed)
        .wrapping_mul(1_664_525)
        .wrapping_add(1_013_904_223);
    SEED.store(next, Relaxed);
    next & RAND_MAX
}

/// `rand(min, max)`: a number in `min..=max`, roughly evenly (`min <= max`).
pub fn rand_in(min: i64, max: i64) -> i64 {
    let r = u64::from(rand());
    let span = (max - min + 1) as u64;
    min + ((r * span) / (u64::from(RAND_MAX) + 1)) as i64
}
