//! Fault replies that map (`fault::MAP_ZEROED`): the map is made, with `AsAlloc`'s checks, before
//! the faulted task resumes; a map that cannot be made fails the reply with nothing changed (the
//! task still waits, the handler does not receive, no frame is taken); to a caller the label is
//! only a label. Run on both paths (the fast path's `ReplyRecv`, and the dispatcher).
use super::*;
use abi::msg::fault::MAP_ZEROED;
use abi::MsgTag;

const EP: u64 = FREE;
/// The handler's capability to the faulter's space (`MAP`).
const ITS_SPACE: u64 = FREE + 1;
const PAGE: u64 = 0x5000_0000;
const W: u64 = PageRights::WRITE.bits();

/// A handler `h` waiting on `EP`, the fault endpoint of task `t`, which has just faulted on `PAGE`
/// (not mapped); `h` holds `t`'s space with `space_rights` at `ITS_SPACE`.
fn faulted(sim: &mut Sim, space_rights: Rights) -> (u16, u16) {
    let (h, t) = (sim.task(), sim.task());
    sim.endpoint(h, EP);
    sim.share(h, EP, t, EP, Rights::SEND);
    sim.share(t, SPACE, h, ITS_SPACE, space_rights);
    sim.share(t, SELF, h, FREE + 2, Rights::all());
    sim.ok(h, Sysnum::TaskSetFault, [FREE + 2, EP, 0, 0, 0, 0]);
    sim.syscall(h, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    sim.k.current = Some(t);
    let r = &mut sim.k.task(t).regs;
    (r.vector, r.error_code, r.rax) = (14, 6, 0x1234);
    sim.k.user_exception(t, PAGE + 8);
    // The fault's fast path: the handler got the notice and runs next.
    assert_eq!((sim.k.current, sim.regs(h).r10), (Some(h), PAGE + 8));
    (h, t)
}

/// `h` answers its fault with a map reply of `words`, by `ReplyRecv` or `Reply`.
fn map_reply(sim: &mut Sim, h: u16, words: [u64; 4], recv: bool) -> Out {
    let (num, tag) = (Sysnum::ReplyRecv, MsgTag::new(MAP_ZEROED, 4, 0).0);
    let num = if recv { num } else { Sysnum::Reply };
    let to = sim.regs(h).r12;
    let [a, b, c, d] = words;
    sim.syscall_r12(h, num.raw(), [EP, tag, a, b, c, d], to)
}

#[test]
fn a_map_reply_maps_a_zeroed_page_and_resumes_the_task_untouched() {
    both(|sim| {
        let (h, t) = faulted(sim, Rights::MAP);
        let tables = |sim: &mut Sim| {
            let space = sim.k.task(t).space;
            sim.k.spaces.at(space).unwrap().tables
        };
        let before = tables(sim);
        let out = map_reply(sim, h, [ITS_SPACE, POOL, PAGE, W], true);
        assert_eq!(out.next, Some(t), "the task runs next");
        assert!(matches!(sim.state(h), State::Receiving { .. }));
        assert_eq!((sim.state(t), sim.regs(t).rax), (State::Ready, 0x1234));
        let frame = sim.frame_at(t, PAGE).expect("mapped");
        assert!((0..512).all(|i| phys::read_u64(frame, i) == 0), "zeroed");
        assert!(tables(sim) > before, "its new tables are counted");
    });
}

#[test]
fn a_map_that_cannot_be_made_fails_the_reply_and_changes_nothing() {
    both(|sim| {
        let (h, t) = faulted(sim, Rights::READ | Rights::CONTROL);
        let other = sim.task(); // a space the handler may map, but not the faulter's
        sim.share(other, SPACE, h, FREE + 3, Rights::MAP);
        sim.share(h, POOL, h, FREE + 4, Rights::READ);
        // The handler's own space: MAP, but another space.
        let refused = [
            ([ITS_SPACE, POOL, PAGE, W], SysError::MissingRights),
            ([FREE + 3, POOL, PAGE, W], SysError::InvalidArgument),
            ([SPACE, POOL, PAGE, W], SysError::InvalidArgument),
            ([FREE + 9, POOL, PAGE, W], SysError::EmptySlot),
            ([EP, POOL, PAGE, W], SysError::WrongKind),
        ];
        for (words, error) in refused {
            for recv in [true, false] {
                let out = map_reply(sim, h, words, recv);
                assert_eq!(out.result(), Err(error), "{words:x?} (ReplyRecv: {recv})");
                let waits = State::AwaitingReply {
                    server: h,
                    fault: true,
                };
                assert_eq!((sim.state(t), sim.state(h)), (waits, State::Ready));
            }
        }
        // With MAP on its space: the pool, the page, the rights, a page already mapped.
        sim.share(t, SPACE, h, ITS_SPACE + 10, Rights::MAP);
        let s = ITS_SPACE + 10;
        let refused = [
            ([s, FREE + 4, PAGE, W], SysError::MissingRights),
            ([s, POOL, 0xffff_8000_0000_0000, W], SysError::BadAddress),
            ([s, POOL, PAGE + 8, W], SysError::BadAddress),
            ([s, POOL, PAGE, 1 << 40], SysError::InvalidArgument),
            ([s, POOL, IPC_BUFFER, W], SysError::AlreadyMapped),
        ];
        let free = sim.k.frames.census().0.free;
        for (words, error) in refused {
            let out = map_reply(sim, h, words, true);
            assert_eq!(out.result(), Err(error), "{words:x?}");
        }
        assert_eq!(sim.k.frames.census().0.free, free, "no frame taken");
        assert_eq!(sim.frame_at(t, PAGE), None);
        // The task still waits for its answer, and gets it.
        map_reply(sim, h, [s, POOL, PAGE, W], true);
        assert!(sim.frame_at(t, PAGE).is_some());
    });
}

#[test]
fn with_no_frame_free_the_map_fails_and_nothing_leaks() {
    both(|sim| {
        let (h, t) = faulted(sim, Rights::MAP);
        let mut taken = Vec::new();
        while let Ok(frame) = sim.k.frames.alloc(FrameState::User { maps: 0 }) {
            taken.push(frame);
        }
        let out = map_reply(sim, h, [ITS_SPACE, POOL, PAGE, W], true);
        assert_eq!(out.result(), Err(SysError::OutOfMemory));
        assert_eq!(sim.frame_at(t, PAGE), None);
        for frame in taken {
            sim.k.frames.free_user(frame).unwrap();
        }
        assert!(sim.audit(), "the census is exact");
        map_reply(sim, h, [ITS_SPACE, POOL, PAGE, W], true);
        assert_eq!(sim.state(t), State::Ready);
    });
}

#[test]
fn to_a_caller_the_label_is_only_a_label() {
    both(|sim| {
        let (h, c) = (sim.task(), sim.task());
        sim.endpoint(h, EP);
        sim.share(h, EP, c, EP, Rights::SEND);
        sim.share(c, SPACE, h, ITS_SPACE, Rights::MAP);
        sim.syscall(h, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
        sim.syscall(c, Sysnum::Call, [EP, 0, 0, 0, 0, 0]);
        map_reply(sim, h, [ITS_SPACE, POOL, PAGE, W], true);
        assert!(matches!(sim.state(h), State::Receiving { .. }), "replied");
        let r = sim.regs(c);
        assert_eq!((MsgTag(r.rsi).label(), r.rdx), (MAP_ZEROED, ITS_SPACE));
        assert_eq!(sim.frame_at(c, PAGE), None, "nothing mapped");
    });
}
