//! The table of names: capabilities it takes, names taken, limits per endpoint and per job.
use super::{endpoint, name};
use crate::table::{Table, FIRST, MAX_NAMES};
use userlib::abi::names::{NameError, NAMES_PER_ENDPOINT, NAMES_PER_JOB};
use userlib::{CapKind, CapSlot, Rights};

/// Registers `n` for `owner` of `job` with endpoint `object`; its slot.
fn register(
    t: &mut Table,
    owner: u64,
    job: u64,
    n: &str,
    object: u64,
) -> Result<CapSlot, NameError> {
    let slot = t.place(job, n, &endpoint(object))?;
    t.insert(owner, job, name(n), object, slot);
    Ok(slot)
}

#[test]
fn only_an_unbadged_send_capability_to_an_endpoint_is_registered() {
    let t = Table::new();
    let mut badged = endpoint(1);
    badged.badge = 5;
    assert_eq!(t.place(1, "kv", &badged), Err(NameError::NotAnEndpoint));
    let mut receive_only = endpoint(1);
    receive_only.rights = Rights::RECEIVE;
    assert_eq!(
        t.place(1, "kv", &receive_only),
        Err(NameError::NotAnEndpoint)
    );
    let mut task = endpoint(1);
    task.kind = CapKind::Task;
    assert_eq!(t.place(1, "kv", &task), Err(NameError::NotAnEndpoint));
    assert_eq!(t.place(1, "kv", &endpoint(1)), Ok(CapSlot(FIRST)));
}

#[test]
fn a_name_is_taken_until_it_goes() {
    let mut t = Table::new();
    assert_eq!(register(&mut t, 2, 2, "kv", 1), Ok(CapSlot(FIRST)));
    assert_eq!(t.lookup("kv"), Some(CapSlot(FIRST)));
    assert_eq!(t.lookup("k"), None);
    assert_eq!(register(&mut t, 3, 3, "kv", 9), Err(NameError::Taken));
    assert_eq!(register(&mut t, 3, 3, "kv2", 9), Ok(CapSlot(FIRST + 1)));
    // Only its owner unregisters it.
    assert_eq!(t.unregister(3, "kv"), Err(NameError::NotYours));
    assert_eq!(t.unregister(2, "nothing"), Err(NameError::NotFound));
    assert_eq!(t.unregister(2, "kv"), Ok(CapSlot(FIRST)));
    assert_eq!(t.lookup("kv"), None);
    assert_eq!(t.unregister(2, "kv"), Err(NameError::NotFound));
    // Its slot is free again.
    assert_eq!(register(&mut t, 3, 3, "kv", 9), Ok(CapSlot(FIRST)));
}

#[test]
fn an_endpoint_has_at_most_four_names() {
    let mut t = Table::new();
    for i in 0..NAMES_PER_ENDPOINT as u64 {
        // Different programs and jobs: the limit is the endpoint's.
        register(&mut t, 10 + i, 10 + i, &format!("e{i}"), 7).expect("room");
    }
    assert_eq!(register(&mut t, 20, 20, "more", 7), Err(NameError::Full));
    assert!(register(&mut t, 20, 20, "more", 8).is_ok());
}

#[test]
fn a_job_has_at_most_eight_names() {
    let mut t = Table::new();
    for i in 0..NAMES_PER_JOB as u64 {
        // Different programs of one job, different endpoints: the limit is the job's.
        register(&mut t, 10 + i, 4, &format!("j{i}"), 100 + i).expect("room");
    }
    assert_eq!(register(&mut t, 30, 4, "more", 200), Err(NameError::Full));
    assert!(register(&mut t, 30, 5, "more", 200).is_ok());
}

#[test]
fn the_table_holds_forty_names() {
    let mut t = Table::new();
    for i in 0..MAX_NAMES as u64 {
        let slot = register(&mut t, i, i, &format!("n{i}"), i).expect("room");
        assert_eq!(slot, CapSlot(FIRST + i as u32));
    }
    assert_eq!(register(&mut t, 99, 99, "more", 99), Err(NameError::Full));
    assert_eq!(t.drop_owner(7).as_slice(), [CapSlot(FIRST + 7)]);
    assert_eq!(register(&mut t, 99, 99, "more", 99), Ok(CapSlot(FIRST + 7)));
}

#[test]
fn names_go_with_their_owner_or_their_endpoint() {
    let mut t = Table::new();
    let a = register(&mut t, 2, 2, "a", 1).expect("room");
    let b = register(&mut t, 3, 2, "b", 1).expect("room");
    let c = register(&mut t, 2, 2, "c", 2).expect("room");
    let mut gone = t.drop_owner(2);
    gone.sort_unstable_by_key(|s| s.0);
    assert_eq!(gone.as_slice(), [a, c]);
    assert_eq!((t.lookup("a"), t.lookup("b")), (None, Some(b)));
    assert!(t.drop_owner(2).is_empty());
    let d = register(&mut t, 4, 4, "d", 3).expect("room");
    assert_eq!(t.drop_dead(|s| s == b).as_slice(), [b]);
    assert_eq!((t.lookup("b"), t.lookup("d")), (None, Some(d)));
}
