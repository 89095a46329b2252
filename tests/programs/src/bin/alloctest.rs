//! alloctest: uses `alloc` hard through the sbrk heap (`userlib::heap`): vectors that grow and
//! shrink, a BTreeMap with many inserts and removals, strings, many small allocations freed in a
//! scrambled order, and large blocks; checks every result against what it must be, prints a
//! summary, and exits 0 only if all held.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use userlib::println;
use userlib::process;
use userlib::rng::Rng;

userlib::sbrk_heap!();
userlib::entry!(main);

/// One check: its name and whether it held.
type Outcome = (&'static str, bool);

fn main() -> i32 {
    let brk_before = process::sbrk(0).unwrap_or(0);
    let checks: [fn() -> Outcome; 6] = [
        vec_grows_and_shrinks,
        btree_map_inserts_and_removes,
        strings_build_and_compare,
        many_small_blocks_freed_out_of_order,
        large_blocks_hold_their_contents,
        freed_memory_is_reused,
    ];
    let mut failed = 0;
    for check in checks {
        let (name, held) = check();
        println!("alloctest: {name}: {}", if held { "ok" } else { "FAILED" });
        failed += usize::from(!held);
    }
    let brk_after = process::sbrk(0).unwrap_or(0);
    println!(
        "alloctest: {} checks, {failed} failed; the heap grew by {} KiB",
        checks.len(),
        brk_after.saturating_sub(brk_before) / 1024
    );
    i32::from(failed != 0)
}

fn vec_grows_and_shrinks() -> Outcome {
    let mut v: Vec<u64> = Vec::new();
    for i in 0..100_000u64 {
        v.push(i * 3);
    }
    let mut held = v.len() == 100_000 && v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3);
    v.truncate(10);
    v.shrink_to_fit();
    held &= v.capacity() < 100 && v == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27];
    v.extend((0..50_000).rev());
    held &= v.len() == 50_010 && v[10] == 49_999 && v[50_009] == 0;
    v.retain(|x| x % 2 == 0);
    held &= v.iter().all(|x| x % 2 == 0) && v.len() == 5 + 25_000;
    (
        "Vec: 100,000 pushes, truncate, shrink, extend, retain",
        held,
    )
}

fn btree_map_inserts_and_removes() -> Outcome {
    let mut rng = Rng::new(1);
    let mut map = BTreeMap::new();
    let mut keys = Vec::new();
    for i in 0..20_000u64 {
        let key = rng.next_u64();
        keys.push(key);
        map.insert(key, i);
    }
    let mut held = map.len() == keys.len();
    for (i, key) in keys.iter().enumerate().step_by(2) {
        held &= map.remove(key) == Some(i as u64);
    }
    held &= map.len() == keys.len() / 2;
    for (i, key) in keys.iter().enumerate() {
        let want = (i % 2 == 1).then_some(i as u64);
        held &= map.get(key).copied() == want;
    }
    held &= map.keys().zip(map.keys().skip(1)).all(|(a, b)| a < b);
    (
        "BTreeMap: 20,000 inserts, half removed, lookups, order",
        held,
    )
}

fn strings_build_and_compare() -> Outcome {
    let mut s = String::new();
    for i in 0..5_000 {
        let _ = write!(s, "{i},");
    }
    let parts: Vec<&str> = s.trim_end_matches(',').split(',').collect();
    let mut held =
        parts.len() == 5_000 && parts.iter().enumerate().all(|(i, p)| p.parse() == Ok(i));
    let upper: String = "mikros"
        .chars()
        .rev()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    held &= upper == "SORKIM";
    let mut words: Vec<String> = (0..1_000)
        .map(|i| alloc::format!("w{:04}", 999 - i))
        .collect();
    words.sort();
    held &= words.first().map(String::as_str) == Some("w0000") && words[999] == "w0999";
    ("String: formatting, splitting, sorting", held)
}

fn many_small_blocks_freed_out_of_order() -> Outcome {
    let mut rng = Rng::new(2);
    let mut blocks: Vec<Option<Box<[u8]>>> = Vec::new();
    let mut held = true;
    for round in 0..10u8 {
        for i in 0..2_000usize {
            let size = 1 + (rng.below(200) as usize);
            let fill = (i as u8) ^ round;
            blocks.push(Some(alloc::vec![fill; size].into_boxed_slice()));
        }
        // Free about half, at random.
        for _ in 0..blocks.len() / 2 {
            let i = rng.below(blocks.len() as u64) as usize;
            blocks[i] = None;
        }
        blocks.retain(Option::is_some);
        // Every block still holds its single fill byte.
        held &= blocks
            .iter()
            .flatten()
            .all(|b| b.iter().all(|&x| x == b[0]));
    }
    ("20,000 small blocks, freed in random order", held)
}

fn large_blocks_hold_their_contents() -> Outcome {
    let sizes = [64 * 1024, 1 << 20, 3 << 20];
    let mut blocks: Vec<Vec<u64>> = Vec::new();
    for (n, &bytes) in sizes.iter().enumerate() {
        let words = bytes / 8;
        blocks.push((0..words as u64).map(|w| w ^ ((n as u64) << 56)).collect());
    }
    let held = blocks.iter().enumerate().all(|(n, block)| {
        block.len() == sizes[n] / 8
            && block
                .iter()
                .enumerate()
                .all(|(w, &x)| x == (w as u64) ^ ((n as u64) << 56))
    });
    ("large blocks: 64 KiB, 1 MiB, 3 MiB", held)
}

fn freed_memory_is_reused() -> Outcome {
    // Warm up: a block of 2 MiB, freed.
    drop(alloc::vec![1u8; 2 << 20]);
    let brk = process::sbrk(0).unwrap_or(0);
    for _ in 0..20 {
        let block = alloc::vec![2u8; 2 << 20];
        if block.iter().any(|&b| b != 2) {
            return ("freed memory is reused", false);
        }
    }
    let held = process::sbrk(0).unwrap_or(u64::MAX) == brk;
    (
        "freed memory is reused: 20 blocks of 2 MiB, no growth",
        held,
    )
}
