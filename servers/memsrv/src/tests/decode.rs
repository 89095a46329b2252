//! Requests decoded and checked for who may ask, and the consistency check's rules.
use crate::decode::{decode, Ask, Refused};
use crate::regions::{Regions, Segment};
use crate::rules::{miscounted, page_rule, tables_unpaid};
use userlib::abi::memsrv::{pack_name, ForkMode, MemError, Request, INIT_PID, WAIT_NOHANG};
use userlib::layout::{CONSOLE, PAGE_SIZE};

const PID: u64 = 5;

fn ask(label: Request, words: [u64; 4]) -> Result<Ask, Refused> {
    decode(PID, label as u32, words)
}

#[test]
fn each_request_is_decoded_with_its_arguments() {
    assert_eq!(
        ask(Request::PageAlloc, [0x1000, 0, 0, 0]),
        Ok(Ask::PageAlloc { addr: 0x1000 })
    );
    let down = Ask::Sbrk { increment: -4096 };
    assert_eq!(ask(Request::Sbrk, [-4096i64 as u64, 0, 0, 0]), Ok(down));
    assert_eq!(
        ask(Request::Fork, [1, 0, 0, 0]),
        Ok(Ask::Fork(ForkMode::Eager))
    );
    assert_eq!(
        ask(Request::Fork, [0, 0, 0, 0]),
        Ok(Ask::Fork(ForkMode::CopyOnWrite))
    );
    let wait = |filter, nohang| Ok(Ask::Wait { filter, nohang });
    assert_eq!(ask(Request::Wait, [7, 0, 0, 0]), wait(7, false));
    assert_eq!(ask(Request::Wait, [0, WAIT_NOHANG, 0, 0]), wait(0, true));
    assert_eq!(ask(Request::GetPid, [1, 2, 3, 4]), Ok(Ask::GetPid));
    let [w0, w1] = pack_name("hello").expect("short");
    let Ok(Ask::Spawn { name, len, arg }) = ask(Request::Spawn, [w0, w1, 42, 0]) else {
        panic!("a spawn");
    };
    assert_eq!((&name[..len], arg), (&b"hello"[..], 42));
    assert_eq!(ask(Request::Kill, [9, 0, 0, 0]), Ok(Ask::Kill { pid: 9 }));
    assert_eq!(
        ask(Request::FrameOf, [0x2000, 0, 0, 0]),
        Ok(Ask::FrameOf { addr: 0x2000 })
    );
    assert_eq!(ask(Request::NameService, [0; 4]), Ok(Ask::NameService));
}

#[test]
fn only_init_may_ask_for_a_check() {
    assert_eq!(
        decode(INIT_PID, Request::Check as u32, [0; 4]),
        Ok(Ask::Check)
    );
    let refused = Err(Refused::Refuse(MemError::BadRequest));
    assert_eq!(ask(Request::Check, [0; 4]), refused);
    assert_eq!(decode(INIT_PID + 1, Request::Check as u32, [0; 4]), refused);
}

#[test]
fn the_observers_requests_and_bad_arguments_are_refused() {
    let refused = Err(Refused::Refuse(MemError::BadRequest));
    for r in [Request::Pages, Request::Caps] {
        assert_eq!(ask(r, [0; 4]), refused);
        assert_eq!(decode(INIT_PID, r as u32, [0; 4]), refused);
    }
    assert_eq!(ask(Request::Fork, [2, 0, 0, 0]), refused);
}

#[test]
fn what_is_not_a_request_is_said_to_be_so() {
    assert_eq!(ask(Request::Wait, [0, 2, 0, 0]), Err(Refused::NotARequest));
    assert_eq!(ask(Request::Wait, [0, 3, 0, 0]), Err(Refused::NotARequest));
    assert_eq!(decode(PID, 0, [0; 4]), Err(Refused::NotARequest));
    assert_eq!(decode(PID, 16, [0; 4]), Err(Refused::NotARequest));
    assert_eq!(decode(PID, u32::MAX, [0; 4]), Err(Refused::NotARequest));
}

fn program() -> Regions {
    let mut r = Regions {
        heap_start: 0x40_2000,
        brk: 0x40_3000,
        ..Regions::default()
    };
    let text = Segment {
        start: 0x40_0000,
        end: 0x40_1000,
        writable: false,
    };
    let data = Segment {
        start: 0x40_1000,
        end: 0x40_2000,
        writable: true,
    };
    r.segments.extend([text, data]);
    r
}

#[test]
fn each_check_rule_finds_what_it_is_for() {
    let r = program();
    assert_eq!(page_rule(&r, 0x40_0000, false, 3), None);
    assert_eq!(page_rule(&r, 0x40_1000, true, 1), None);
    assert_eq!(page_rule(&r, 0x40_2000, true, 1), None);
    assert_eq!(
        page_rule(&r, CONSOLE, true, 9),
        Some("a frame shared with another mapping is writable")
    );
    let above = Some("mapped where the process has nothing (above the break, say)");
    assert_eq!(page_rule(&r, 0x40_3000, false, 1), above);
    assert_eq!(page_rule(&r, 0x40_3000 + PAGE_SIZE, true, 2), above);
    let code = Some("code or read-only data is writable");
    assert_eq!(page_rule(&r, 0x40_0000, true, 1), code);
    assert_eq!(page_rule(&r, 0x40_0000, true, 2), code);
    let shared = Some("a frame shared with another mapping is writable");
    assert_eq!(page_rule(&r, 0x40_1000, true, 2), shared);
    assert_eq!(page_rule(&r, 0x40_1000, false, 2), None);
}

#[test]
fn tables_beyond_the_charge_were_not_paid_for() {
    assert!(tables_unpaid(5, 4));
    assert!(!tables_unpaid(4, 4));
    assert!(!tables_unpaid(3, 4));
}

#[test]
fn a_frame_must_be_mapped_as_often_as_the_kernel_counts() {
    let mut seen = [(7, 2), (3, 1), (7, 2), (9, 1), (9, 1), (4, 3)].map(|(f, n)| (f, n, false));
    let wrong: Vec<_> = miscounted(&mut seen).collect();
    assert_eq!(wrong, [(4, 1, 3), (9, 2, 1)]);
    let mut right = [(1, 1), (2, 2), (2, 2)].map(|(f, n)| (f, n, false));
    assert_eq!(miscounted(&mut right).count(), 0);
    // Through shared tables a count is a lower bound: two tables, each shared by two spaces.
    let mut shared = [(5, 3, true), (5, 3, true), (5, 3, true), (5, 3, true)];
    assert_eq!(miscounted(&mut shared).count(), 0);
    let mut fewer = [(5, 3, true), (5, 3, true)];
    assert_eq!(miscounted(&mut fewer).collect::<Vec<_>>(), [(5, 2, 3)]);
}

fn message(badge: u64, flags: u64) -> userlib::ipc::Received {
    userlib::ipc::Received {
        badge,
        sender: 3,
        msg: userlib::Message {
            tag: userlib::MsgTag::new(Request::Wait as u32, 2, 0),
            words: [0; 4],
        },
        flags,
    }
}

#[test]
fn only_calls_are_served_and_only_the_kernel_sends_notices() {
    use crate::decode::{route, Route};
    use userlib::abi::memsrv::OBSERVER;
    use userlib::MsgTag;
    assert_eq!(route(&message(PID, MsgTag::CALL)), Route::Request);
    assert_eq!(route(&message(PID, 0)), Route::Ignore, "a sent Wait");
    assert_eq!(route(&message(OBSERVER, MsgTag::CALL)), Route::Observer);
    assert_eq!(route(&message(OBSERVER, 0)), Route::Ignore);
    assert_eq!(route(&message(PID, MsgTag::KERNEL)), Route::Notice);
    assert_eq!(
        route(&message(PID, MsgTag::KERNEL | MsgTag::CALL)),
        Route::Notice
    );
}
