//! What the fuzzer counts: calls per syscall number, results per code, a checksum of the results
//! (equal checksums: the replay made the same calls and got the same answers), and anomalies
//! (answers the kernel must never give).
use core::fmt;
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use userlib::{println, SysError, Sysnum};

/// Calls are counted by syscall number (numbers below the last with no syscall count nothing),
/// numbers no syscall has go to `INVALID`, the first number past the last syscall.
pub const INVALID: usize = Sysnum::ALL[Sysnum::ALL.len() - 1].raw() as usize + 1;
pub const BUCKETS: usize = INVALID + 1;
/// Results: 0 success, then the `SysError` codes, then a code the kernel does not define and a
/// call that never came back (the worker exited or was killed, or the epoch ended first).
pub const UNKNOWN_CODE: usize = SysError::ALL.len() + 1;
pub const UNFINISHED: usize = UNKNOWN_CODE + 1;
pub const RESULTS: usize = UNFINISHED + 1;

/// The counters of the mode being run.
pub struct Stats {
    calls: [AtomicU64; BUCKETS],
    successes: [AtomicU64; BUCKETS],
    results: [AtomicU64; RESULTS],
    checksum: AtomicU64,
    anomalies: AtomicU64,
    /// Times the watchdog stopped and restarted a blocked worker, and replaced a dead one.
    pub restarts: AtomicU64,
    pub replaced: AtomicU64,
    pub epochs: AtomicU64,
}

pub static STATS: Stats = Stats {
    calls: [const { AtomicU64::new(0) }; BUCKETS],
    successes: [const { AtomicU64::new(0) }; BUCKETS],
    results: [const { AtomicU64::new(0) }; RESULTS],
    checksum: AtomicU64::new(0),
    anomalies: AtomicU64::new(0),
    restarts: AtomicU64::new(0),
    replaced: AtomicU64::new(0),
    epochs: AtomicU64::new(0),
};

fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed) + 1, Relaxed);
}

/// The result bucket of an `rax` value.
pub fn result_code(rax: u64) -> usize {
    if rax < UNKNOWN_CODE as u64 {
        rax as usize
    } else {
        UNKNOWN_CODE
    }
}

impl Stats {
    pub fn count_call(&self, bucket: usize) {
        bump(&self.calls[bucket]);
    }

    pub fn count_result(&self, bucket: usize, code: usize) {
        bump(&self.results[code]);
        if code == 0 {
            bump(&self.successes[bucket]);
        }
        self.mix(((bucket as u64) << 32) | code as u64);
    }

    /// Folds a value into the checksum.
    pub fn mix(&self, value: u64) {
        let h = self.checksum.load(Relaxed).rotate_left(5) ^ value;
        self.checksum
            .store(h.wrapping_mul(0x9E37_79B9_7F4A_7C15), Relaxed);
    }

    /// Reports an answer the kernel must never give; the run fails.
    pub fn anomaly(&self, what: fmt::Arguments) {
        bump(&self.anomalies);
        if self.anomalies.load(Relaxed) <= 20 {
            println!("fuzz: ANOMALY: {what}");
        }
    }

    pub fn note(&self, counter: &AtomicU64) {
        bump(counter);
    }

    /// The counts so far; resets them.
    pub fn take(&self) -> Summary {
        let take = |c: &AtomicU64| c.swap(0, Relaxed);
        Summary {
            calls: core::array::from_fn(|i| take(&self.calls[i])),
            successes: core::array::from_fn(|i| take(&self.successes[i])),
            results: core::array::from_fn(|i| take(&self.results[i])),
            checksum: take(&self.checksum),
            anomalies: take(&self.anomalies),
            restarts: take(&self.restarts),
            replaced: take(&self.replaced),
            epochs: take(&self.epochs),
        }
    }
}

/// A mode's (or the whole run's) counts.
#[derive(Clone, Copy)]
pub struct Summary {
    pub calls: [u64; BUCKETS],
    pub successes: [u64; BUCKETS],
    pub results: [u64; RESULTS],
    pub checksum: u64,
    pub anomalies: u64,
    pub restarts: u64,
    pub replaced: u64,
    pub epochs: u64,
}

impl Summary {
    pub const fn zero() -> Summary {
        Summary {
            calls: [0; BUCKETS],
            successes: [0; BUCKETS],
            results: [0; RESULTS],
            checksum: 0,
            anomalies: 0,
            restarts: 0,
            replaced: 0,
            epochs: 0,
        }
    }

    pub fn total_calls(&self) -> u64 {
        self.calls.iter().sum()
    }

    /// Adds another summary; the checksum covers both, in order.
    pub fn add(&mut self, other: &Summary) {
        for (a, b) in self.calls.iter_mut().zip(other.calls) {
            *a += b;
        }
        for (a, b) in self.successes.iter_mut().zip(other.successes) {
            *a += b;
        }
        for (a, b) in self.results.iter_mut().zip(other.results) {
            *a += b;
        }
        self.checksum =
            (self.checksum.rotate_left(17) ^ other.checksum).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.anomalies += other.anomalies;
        self.restarts += other.restarts;
        self.replaced += other.replaced;
        self.epochs += other.epochs;
    }

    pub fn print(&self, what: &str) {
        println!(
            "fuzz: {what}: {} calls in {} epochs, checksum {:#018x}, {} anomalies; workers \
             restarted {} times, replaced {} times",
            self.total_calls(),
            self.epochs,
            self.checksum,
            self.anomalies,
            self.restarts,
            self.replaced
        );
        println!(
            "fuzz: {what}: calls by number:{}",
            Table(&self.calls, bucket_name)
        );
        println!(
            "fuzz: {what}: successes by number:{}",
            Table(&self.successes, bucket_name)
        );
        println!(
            "fuzz: {what}: results:{}",
            Table(&self.results, result_name)
        );
    }
}

fn bucket_name(f: &mut fmt::Formatter<'_>, i: usize) -> fmt::Result {
    match Sysnum::from_raw(i as u64) {
        Some(n) => write!(f, "{n:?}"),
        None => f.write_str("invalid"),
    }
}

fn result_name(f: &mut fmt::Formatter<'_>, i: usize) -> fmt::Result {
    match (i, SysError::from_raw(i as u64)) {
        (0, _) => f.write_str("ok"),
        (UNKNOWN_CODE, _) => f.write_str("unknown-code"),
        (UNFINISHED, _) => f.write_str("unfinished"),
        (_, Some(e)) => write!(f, "{e:?}"),
        (_, None) => f.write_str("?"),
    }
}

type NameFn = fn(&mut fmt::Formatter<'_>, usize) -> fmt::Result;

/// Nonzero counts as `name=count`, six to a line.
struct Table<'a, const N: usize>(&'a [u64; N], NameFn);

impl<const N: usize> fmt::Display for Table<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nonzero = self.0.iter().enumerate().filter(|(_, &n)| n > 0);
        for (shown, (i, &n)) in nonzero.enumerate() {
            if shown > 0 && shown % 6 == 0 {
                f.write_str("\nfuzz:    ")?;
            }
            f.write_str(" ")?;
            (self.1)(f, i)?;
            write!(f, "={n}")?;
        }
        Ok(())
    }
}
