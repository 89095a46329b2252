//! The programs the system says are live, their jobs, and reserved names.
use super::{name, program};
use crate::programs::{Programs, MAX_LIVE, MAX_RESERVED};

#[test]
fn a_program_is_tracked_in_the_job_the_system_names() {
    let mut p = Programs::new();
    assert!(p.started(5, 5, program("kv")));
    assert!(p.started(6, 5, program("kv")));
    assert!(p.started(7, 5, program("kv")));
    assert!(p.started(8, 8, program("x")));
    // (A job whose first program never used the service.)
    assert!(p.started(9, 42, program("y")));
    let jobs: Vec<_> = [5, 6, 7, 8, 9].iter().map(|&id| p.job(id)).collect();
    assert_eq!(jobs, [Some(5), Some(5), Some(5), Some(8), Some(42)]);
    // A child keeps its job when its parent ends.
    p.ended(6);
    assert_eq!((p.job(6), p.job(7)), (None, Some(5)));
    assert_eq!(p.job(0), Some(0), "the system");
    assert_eq!(p.job(1234), None);
}

#[test]
fn a_program_started_again_is_tracked_once() {
    let mut p = Programs::new();
    for _ in 0..MAX_LIVE {
        assert!(p.started(5, 5, program("kv")));
    }
    assert!(p.started(6, 6, program("kv")));
    p.ended(5);
    assert_eq!((p.job(5), p.job(6)), (None, Some(6)));
}

#[test]
fn programs_beyond_what_can_be_tracked_are_refused() {
    let mut p = Programs::new();
    for id in 0..MAX_LIVE as u64 {
        assert!(p.started(100 + id, 100 + id, program("p")));
    }
    assert!(!p.started(999, 999, program("p")));
    assert_eq!(p.job(999), None);
}

#[test]
fn gone_names_the_ids_that_are_not_live() {
    let mut p = Programs::new();
    p.started(5, 5, program("a"));
    p.started(7, 7, program("b"));
    assert_eq!(p.gone(&[5, 6, 7, 8, 0]), 0b01010);
    assert_eq!(p.gone(&[]), 0);
    assert_eq!(p.gone(&[9; 16]), 0xffff);
}

#[test]
fn a_reserved_name_is_only_its_programs() {
    let mut p = Programs::new();
    p.started(5, 5, program("kv"));
    p.started(6, 6, program("other"));
    assert!(p.may_register(6, "kv"));
    assert!(p.reserve(name("kv")));
    assert!(p.reserve(name("kv")), "again: already there");
    assert!(p.may_register(5, "kv"));
    assert!(!p.may_register(6, "kv"));
    assert!(!p.may_register(0, "kv"));
    assert!(p.may_register(6, "free"));
    // Room for 32: the same name again takes none.
    for i in 1..MAX_RESERVED {
        assert!(p.reserve(name(&format!("r{i}"))));
    }
    assert!(p.reserve(name("kv")));
    assert!(!p.reserve(name("late")));
    assert!(p.may_register(6, "late"));
}
