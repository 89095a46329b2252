//! The maps of the server's records and committed page tables (`hashbrown`, on the server's heap:
//! `heap.rs` in the program), keyed by integers.
use core::hash::{BuildHasherDefault, Hasher};

/// A fixed, cheap hash for the integer keys of the server's maps (pids, table keys): the
/// multiply-rotate of rustc's `FxHasher`. Fixed, so runs and benchmarks are reproducible; the
/// keys are the server's own numbers, so nobody can choose them to collide.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn finish(&self) -> u64 {
        // hashbrown takes its control byte from the top bits and its index from the bottom ones.
        self.0.rotate_left(26)
    }
}

/// A map on the server's heap with integer keys (`Map::default()` makes an empty one).
pub type Map<K, V> = hashbrown::HashMap<K, V, BuildHasherDefault<IntHasher>>;
