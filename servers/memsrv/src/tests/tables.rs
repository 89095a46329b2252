//! The page tables committed for a process: one per 2 MiB, 1 GiB and 512 GiB span, claimed by
//! fixed regions or by the heap.
use crate::tables::{Tables, FIXED, HEAP};
use userlib::layout::PAGE_SIZE;

const MIB2: u64 = 1 << 21;
const GIB: u64 = 1 << 30;
const GIB512: u64 = 1 << 39;

/// Claims `[start, end)` for `who` as the server does (room first); how many tables it added.
fn claim(t: &mut Tables, start: u64, end: u64, who: u8) -> u64 {
    let new = t.prepare(start, end).expect("room");
    t.claim(start, end, who);
    new
}

#[test]
fn a_span_needs_a_table_at_each_level_it_touches() {
    let t = Tables::new();
    assert_eq!(t.count(), 1, "the root");
    assert_eq!(t.missing(GIB, GIB + PAGE_SIZE), 3);
    assert_eq!(t.missing(GIB, GIB + MIB2), 3);
    assert_eq!(t.missing(GIB, GIB + MIB2 + PAGE_SIZE), 4);
    assert_eq!(t.missing(GIB - PAGE_SIZE, GIB + PAGE_SIZE), 5);
    assert_eq!(t.missing(GIB512 - PAGE_SIZE, GIB512 + PAGE_SIZE), 6);
    assert_eq!(t.missing(0, GIB), 512 + 1 + 1);
    assert_eq!(t.missing(GIB, GIB), 0);
    assert_eq!(t.missing(GIB + PAGE_SIZE, GIB + PAGE_SIZE), 0);
    assert_eq!(t.missing(GIB + PAGE_SIZE, GIB), 0);
}

#[test]
fn a_claim_counts_only_the_tables_not_claimed_before() {
    let mut t = Tables::new();
    assert_eq!(claim(&mut t, GIB, GIB + PAGE_SIZE, HEAP), 3);
    assert_eq!(t.count(), 4);
    assert_eq!(t.missing(GIB + PAGE_SIZE, GIB + 2 * PAGE_SIZE), 0);
    assert_eq!(claim(&mut t, GIB, GIB + MIB2 + PAGE_SIZE, HEAP), 1);
    assert_eq!(t.count(), 5);
    assert_eq!(claim(&mut t, GIB, GIB, HEAP), 0);
    assert_eq!(t.count(), 5);
}

#[test]
fn a_page_next_to_the_last_fixed_one_needs_no_new_table() {
    let mut t = Tables::new();
    assert_eq!(claim(&mut t, GIB, GIB + PAGE_SIZE, FIXED), 3);
    assert_eq!(t.missing(GIB + PAGE_SIZE, GIB + 2 * PAGE_SIZE), 0);
    assert_eq!(
        claim(&mut t, GIB + PAGE_SIZE, GIB + 2 * PAGE_SIZE, FIXED),
        0
    );
    // Not the heap's claim: it must mark the tables too.
    assert_eq!(claim(&mut t, GIB + PAGE_SIZE, GIB + 2 * PAGE_SIZE, HEAP), 0);
    assert_eq!(
        t.release(GIB, GIB + PAGE_SIZE, (0, 0), FIXED),
        0,
        "the heap's too"
    );
    // More than a page is looked up, and the next 2 MiB span is not the last one.
    assert_eq!(t.missing(GIB, GIB + 2 * PAGE_SIZE), 0);
    assert_eq!(t.missing(GIB + MIB2, GIB + MIB2 + PAGE_SIZE), 1);
    assert_eq!(t.missing(GIB + PAGE_SIZE, GIB + MIB2 + PAGE_SIZE), 1);
    assert_eq!(claim(&mut t, GIB + MIB2, GIB + MIB2 + PAGE_SIZE, FIXED), 1);
    assert_eq!(t.count(), 5);
}

#[test]
fn releasing_frees_what_no_one_else_claims() {
    let mut t = Tables::new();
    claim(&mut t, GIB, GIB + 3 * MIB2, HEAP);
    claim(&mut t, GIB + 2 * MIB2, GIB + 2 * MIB2 + PAGE_SIZE, FIXED);
    assert_eq!(t.count(), 6);
    // The heap keeps its first 2 MiB: the first table stays, the third is fixed too.
    assert_eq!(
        t.release(GIB + MIB2, GIB + 3 * MIB2, (GIB, GIB + MIB2), HEAP),
        1
    );
    assert_eq!(t.count(), 5);
    assert_eq!(t.release(GIB, GIB + MIB2, (GIB, GIB), HEAP), 1);
    assert_eq!(t.count(), 4);
    assert_eq!(t.release(GIB, GIB, (0, 0), HEAP), 0);
    assert_eq!(t.release(GIB, GIB + 3 * MIB2, (0, 0), FIXED), 3);
    assert_eq!(t.count(), 1);
}

#[test]
fn kept_ranges_keep_the_tables_at_every_level() {
    let mut t = Tables::new();
    claim(&mut t, GIB512 - MIB2, GIB512 + MIB2, HEAP);
    assert_eq!(t.count(), 7);
    let kept = (GIB512 - MIB2, GIB512 - PAGE_SIZE);
    assert_eq!(t.release(GIB512, GIB512 + MIB2, kept, HEAP), 3);
    assert_eq!(t.count(), 4);
    // A kept range ending just past a span keeps that span's tables.
    let mut t = Tables::new();
    claim(&mut t, GIB - MIB2, GIB + MIB2, HEAP);
    assert_eq!(
        t.release(GIB - MIB2, GIB + MIB2, (GIB - MIB2, GIB + 1), HEAP),
        0
    );
    assert_eq!(
        t.release(GIB - MIB2, GIB + MIB2, (GIB - MIB2, GIB), HEAP),
        2
    );
}

#[test]
fn a_copy_has_the_same_claims() {
    let mut t = Tables::new();
    claim(&mut t, GIB, GIB + PAGE_SIZE, FIXED);
    claim(&mut t, 3 * GIB512, 3 * GIB512 + MIB2 + 1, HEAP);
    let mut copy = t.try_clone().expect("room");
    assert_eq!(copy.count(), t.count());
    assert_eq!(copy.count(), 8);
    let mut spans: Vec<u64> = copy.leaf_spans().collect();
    spans.sort_unstable();
    assert_eq!(spans, [GIB, 3 * GIB512, 3 * GIB512 + MIB2]);
    // The fixed leaf is remembered too.
    assert_eq!(
        claim(&mut copy, GIB + PAGE_SIZE, GIB + 2 * PAGE_SIZE, FIXED),
        0
    );
    assert_eq!(copy.release(3 * GIB512, 4 * GIB512, (0, 0), HEAP), 4);
    assert_eq!((copy.count(), t.count()), (4, 8));
}

#[test]
fn only_a_fixed_page_makes_its_table_the_last_fixed_one() {
    let mut t = Tables::new();
    claim(&mut t, GIB, GIB + PAGE_SIZE, HEAP);
    claim(&mut t, GIB + 2 * PAGE_SIZE, GIB + 4 * PAGE_SIZE, FIXED);
    assert_eq!(t.release(GIB, GIB + 4 * PAGE_SIZE, (0, 0), HEAP), 0);
    assert_eq!(t.release(GIB, GIB + 4 * PAGE_SIZE, (0, 0), FIXED), 3);
    // Nothing is claimed: every page needs its tables again.
    assert_eq!(t.missing(GIB + PAGE_SIZE, GIB + 2 * PAGE_SIZE), 3);
    assert_eq!(t.missing(GIB + 3 * PAGE_SIZE, GIB + 4 * PAGE_SIZE), 3);
}
