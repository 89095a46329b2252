use crate::jobs::{Full, Jobs, MAX_JOBS};
use crate::report::Ended;
use userlib::abi::memsrv::ExitHow;

#[test]
fn jobs_are_kept_until_removed_and_the_table_is_bounded() {
    let mut jobs = Jobs::default();
    assert!(jobs.is_empty() && jobs.has_room());
    jobs.add(7, "allocator").unwrap();
    jobs.add(9, "a-name-longer-than-sixteen").unwrap();
    assert_eq!(jobs.get(9).unwrap().program, "a-name-longer-th");
    assert_eq!(jobs.pids().as_slice(), [7, 9]);
    assert_eq!(jobs.nth(2).map(|j| j.pid), Some(9));
    assert_eq!(jobs.nth(0).or(jobs.nth(3)), None);
    assert_eq!(jobs.remove(7).unwrap().program, "allocator");
    assert_eq!(jobs.remove(7), None);
    assert_eq!(jobs.pids().as_slice(), [9]);
    for pid in 10..10 + MAX_JOBS as u64 - 1 {
        jobs.add(pid, "hello").unwrap();
    }
    assert!(!jobs.has_room());
    assert_eq!(jobs.add(99, "hello"), Err(Full));
    assert_eq!(jobs.get(99), None);
}

#[test]
fn an_end_reads_as_exited_or_killed() {
    let exited = Ended {
        pid: 7,
        program: "allocator",
        how: ExitHow::Exited,
        code: 0,
    };
    assert_eq!(exited.to_string(), "[pid 7] allocator exited 0");
    let killed = Ended {
        how: ExitHow::Killed,
        code: -1,
        ..exited
    };
    assert_eq!(killed.to_string(), "[pid 7] allocator killed");
}
