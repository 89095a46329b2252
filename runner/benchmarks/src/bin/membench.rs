//! Measures the memory-server mechanisms: FrameAlloc and AsAlloc with and without frames zeroed
//! ahead of time, AsShare per page (copy-on-write, 512 pages) and per copied page (eager),
//! AsCopy, AsUnmap with RELEASE, AsDestroy with 0 / 256 / 4096 pages, and a receive whose
//! timeout expires. Prints medians in TSC ticks (guest instructions under --icount). A pool
//! holder (init's `POOL_HOLDERS`): it builds its own scratch address spaces.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use userlib::abi::space::ShareMode;
use userlib::layout::PAGE_SIZE;
use userlib::{println, rdtsc_ordered, slots, sys, CapSlot, PageRights, SysError};

userlib::entry!(main);

const SAMPLES: usize = 200;
/// Scratch address spaces.
const SRC: CapSlot = CapSlot(10);
const DST: CapSlot = CapSlot(11);
/// Where pages go in them: a fresh top-level entry, so the first page makes three tables.
const BASE: u64 = 0x0000_1000_0000_0000;
const W: PageRights = PageRights::WRITE;

static TIMES: [AtomicU64; SAMPLES] = [const { AtomicU64::new(0) }; SAMPLES];

type R<T> = Result<T, SysError>;

/// The median of `n` (≤ `SAMPLES`) runs of `f(i)`, each timed alone.
fn median(n: usize, mut f: impl FnMut(usize) -> R<()>) -> R<u64> {
    for (i, slot) in TIMES.iter().enumerate().take(n) {
        let t0 = rdtsc_ordered();
        f(i)?;
        slot.store(rdtsc_ordered().wrapping_sub(t0), Relaxed);
    }
    let mut times = [0u64; SAMPLES];
    for (t, slot) in times.iter_mut().zip(&TIMES).take(n) {
        *t = slot.load(Relaxed);
    }
    times[..n].sort_unstable();
    Ok(times[n / 2])
}

/// The time of one run of `f`.
fn once(f: impl FnOnce() -> R<()>) -> R<u64> {
    let t0 = rdtsc_ordered();
    f()?;
    Ok(rdtsc_ordered().wrapping_sub(t0))
}

fn page(i: usize) -> u64 {
    BASE + i as u64 * PAGE_SIZE
}

/// A new scratch space in `slot` with `n` writable pages from `BASE` on.
fn space_with(slot: CapSlot, n: usize) -> R<()> {
    sys::as_create(slots::POOL, slot)?;
    (0..n).try_for_each(|i| sys::as_alloc(slot, slots::POOL, page(i), W).map(drop))
}

/// Destroys a scratch space (its frames go with it) and empties the slot.
fn drop_space(slot: CapSlot) -> R<()> {
    sys::as_destroy(slot)?;
    sys::cap_delete(slot)
}

/// FrameAlloc and AsAlloc, each `SAMPLES` times; everything is given back after.
fn allocations(what: &str) -> R<()> {
    static FRAMES: [AtomicU64; SAMPLES] = [const { AtomicU64::new(0) }; SAMPLES];
    let alloc = median(SAMPLES, |i| {
        FRAMES[i].store(sys::frame_alloc(slots::POOL)?, Relaxed);
        Ok(())
    })?;
    FRAMES
        .iter()
        .try_for_each(|f| sys::frame_free(slots::POOL, f.load(Relaxed)))?;
    sys::as_create(slots::POOL, SRC)?;
    sys::as_alloc(SRC, slots::POOL, page(0), W)?;
    let as_alloc = median(SAMPLES, |i| {
        sys::as_alloc(SRC, slots::POOL, page(i + 1), W).map(drop)
    })?;
    drop_space(SRC)?;
    println!("membench: FrameAlloc, {what}: median {alloc}");
    println!("membench: AsAlloc (tables there), {what}: median {as_alloc}");
    Ok(())
}

/// Spins until the timer interrupts twice; returns the TSC just before the second interrupt,
/// the period, and what the interrupt cost (the gap it left).
fn tick_phase() -> (u64, u64, u64) {
    let mut seen = [(0u64, 0u64); 2];
    for slot in &mut seen {
        let mut last = rdtsc_ordered();
        loop {
            let now = rdtsc_ordered();
            if now - last > 100 {
                *slot = (last, now - last);
                break;
            }
            last = now;
        }
    }
    (seen[1].0, seen[1].0 - seen[0].0, seen[1].1)
}

/// A receive with a one-tick timeout, started just after a tick: it returns at the next one.
/// How long after that tick is the task back in user space?
fn timeout() -> R<()> {
    // First let the display driver draw what was printed (it wakes every 5 ticks): on a still
    // screen its wake-up is a comparison, not a redraw inside the ticks measured.
    sleep(10)?;
    let (tick, period, gap) = tick_phase();
    match sys::recv_timeout(slots::OWN, 1) {
        Err(SysError::TimedOut) => {}
        Err(e) => return Err(e),
        Ok(_) => return Err(SysError::InvalidArgument),
    }
    let back = rdtsc_ordered();
    println!("membench: timer period {period}, a tick interrupting a running task costs {gap}");
    // Only alone does the receive end on the tick after the one seen: beside other programs a
    // tick can pass, or the period shift, before it starts.
    match back.checked_sub(tick + period) {
        Some(late) if late < period => println!(
            "membench: recv with a 1-tick timeout expiring: back in user space {late} after the \
             tick"
        ),
        _ => println!(
            "membench: recv with a 1-tick timeout expiring: not measured (it did not end on the \
             next tick: other programs ran)"
        ),
    }
    Ok(())
}

/// Sleeps `ticks` timer ticks (a receive nobody can answer), letting the kernel idle.
fn sleep(ticks: u64) -> R<()> {
    match sys::recv_timeout(slots::OWN, ticks) {
        Err(SysError::TimedOut) => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Err(SysError::InvalidArgument),
    }
}

/// One AsShare call of `[BASE, end)` from `SRC` into a new `DST` (which must finish the range);
/// its time.
fn share_once(end: u64, mode: ShareMode) -> R<u64> {
    sys::as_create(slots::POOL, DST)?;
    let t = once(
        || match sys::as_share(SRC, DST, BASE, end, mode, slots::POOL)? {
            next if next == end => Ok(()),
            _ => Err(SysError::InvalidArgument),
        },
    )?;
    drop_space(DST)?;
    Ok(t)
}

/// AsShare of 512 pages (one leaf table) copy-on-write, and of 16 writable pages eagerly (one
/// call's worth of copies); per page, median of `REPS` fresh pairs of spaces.
fn shares() -> R<()> {
    const REPS: usize = 5;
    let mut cow = [0u64; REPS];
    let mut eager = [0u64; REPS];
    for i in 0..REPS {
        // Eager first: it leaves the source's rights alone; copy-on-write takes WRITE.
        space_with(SRC, 512)?;
        eager[i] = share_once(page(16), ShareMode::EAGER)?;
        cow[i] = share_once(page(512), ShareMode::COPY_ON_WRITE)?;
        drop_space(SRC)?;
    }
    cow.sort_unstable();
    eager.sort_unstable();
    let (cow, eager) = (cow[REPS / 2], eager[REPS / 2]);
    println!(
        "membench: AsShare copy-on-write, 512 pages in one call: {cow}, {} per page",
        cow / 512
    );
    println!(
        "membench: AsShare eager, 16 writable pages copied in one call: {eager}, {} per page",
        eager / 16
    );
    Ok(())
}

/// AsCopy of shared pages (the copy-on-write break), then AsUnmap with RELEASE of pages mapped
/// once (each frame goes back).
fn copies_and_releases() -> R<()> {
    space_with(SRC, SAMPLES + 1)?;
    sys::as_create(slots::POOL, DST)?;
    let end = page(SAMPLES + 1);
    sys::as_share_all(SRC, DST, BASE, end, ShareMode::COPY_ON_WRITE, slots::POOL)?;
    let copy = median(SAMPLES, |i| {
        sys::as_copy(DST, slots::POOL, page(i), W).map(drop)
    })?;
    // Both spaces now map each page once: release the source's.
    let release = median(SAMPLES, |i| sys::as_release(SRC, page(i)).map(drop))?;
    drop_space(DST)?;
    drop_space(SRC)?;
    println!("membench: AsCopy (copy-on-write break): median {copy}");
    println!("membench: AsUnmap with RELEASE (the frame's last mapping): median {release}");
    Ok(())
}

/// AsDestroy of a space with `n` pages mapped (each released), median of three.
fn destroy(n: usize) -> R<u64> {
    let mut t = [0u64; 3];
    for slot in &mut t {
        space_with(SRC, n)?;
        *slot = once(|| sys::as_destroy(SRC))?;
        sys::cap_delete(SRC)?;
    }
    t.sort_unstable();
    Ok(t[1])
}

fn run() -> R<()> {
    println!("membench: units are TSC ticks: guest instructions under --icount, cycles otherwise");
    // Nothing has idled yet: every free frame is dirty, zeroed when taken.
    allocations("zeroing a dirty frame")?;
    timeout()?;
    // Idle long enough for the kernel to zero every free frame.
    sleep(20)?;
    allocations("a frame zeroed ahead")?;
    shares()?;
    copies_and_releases()?;
    for n in [0, 256, 4096] {
        println!("membench: AsDestroy with {n} pages mapped: {}", destroy(n)?);
    }
    Ok(())
}

fn main() -> i32 {
    match run() {
        Ok(()) => 0,
        Err(e) => {
            println!("membench: failed: {e}");
            1
        }
    }
}
