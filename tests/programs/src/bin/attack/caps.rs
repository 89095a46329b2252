//! Capability misuse: empty, out-of-range, wrong-kind, rightless, deleted and stale capabilities,
//! derivations that try to gain rights, unknown syscall numbers, and a full capability table. Each
//! must be refused with its exact error, and the program's own capabilities must stay as they were.
use test_programs::hostile::asm::spin_with_fixed_flags;
use test_programs::hostile::case::{check, refusal, refused, survival, works, Case, Checked};
use userlib::abi::cap::CAP_SLOTS;
use userlib::arch::syscall_raw;
use userlib::SysError::*;
use userlib::{slots, sys, CapKind, CapSlot, MsgTag, PageRights, Rights, SysError, Sysnum};

const FREE: CapSlot = CapSlot(20);
const OUT_OF_RANGE: CapSlot = CapSlot(CAP_SLOTS as u32);
const EMPTY_TAG: MsgTag = MsgTag::new(1, 0, 0);

fn raw(num: u64, a: [u64; 6]) -> Result<(), SysError> {
    SysError::from_rax(syscall_raw(num, a, 0).rax)
}

fn send(slot: CapSlot) -> Result<(), SysError> {
    sys::send(slot, EMPTY_TAG, [0; 4])
}

pub const CASES: &[Case] = &[
    refusal(400, "send on an empty slot", EmptySlot, || send(FREE)),
    refusal(401, "send on slot 64", InvalidSlot, || send(OUT_OF_RANGE)),
    refusal(402, "send on slot u64::MAX", InvalidSlot, || {
        raw(Sysnum::Send.raw(), [u64::MAX, EMPTY_TAG.0, 0, 0, 0, 0])
    }),
    refusal(
        403,
        "receive on the supervisor endpoint",
        MissingRights,
        || sys::recv(slots::SUPERVISOR).map(drop),
    ),
    refusal(404, "send without the SEND right", MissingRights, || {
        sys::cap_copy(slots::OWN, FREE, Rights::RECEIVE)?;
        send(FREE)
    }),
    refusal(405, "FrameAlloc with an endpoint", WrongKind, || {
        sys::frame_alloc(slots::OWN).map(drop)
    }),
    refusal(
        406,
        "AsMap with an endpoint as the space",
        WrongKind,
        || sys::as_map(slots::OWN, slots::OWN, 0, 0x1000, PageRights::WRITE),
    ),
    refusal(407, "TaskStart with an endpoint", WrongKind, || {
        sys::task_start(slots::OWN)
    }),
    refusal(408, "Shutdown with an endpoint", WrongKind, || {
        sys::shutdown(slots::OWN, userlib::ExitCode::Success)
    }),
    refusal(409, "FrameCensus with an empty slot", EmptySlot, || {
        sys::frame_census(FREE).map(drop)
    }),
    refusal(
        410,
        "destroy the name service's endpoint",
        MissingRights,
        || sys::endpoint_destroy(slots::NAMES),
    ),
    refusal(
        411,
        "destroy the supervisor endpoint",
        MissingRights,
        || sys::endpoint_destroy(slots::SUPERVISOR),
    ),
    refusal(412, "send on a deleted slot", EmptySlot, || {
        sys::cap_copy(slots::NAMES, FREE, Rights::all())?;
        sys::cap_delete(FREE)?;
        send(FREE)
    }),
    refusal(413, "send through a destroyed endpoint", StaleCap, || {
        sys::endpoint_destroy(slots::OWN)?;
        send(slots::OWN)
    }),
    refusal(414, "receive on a destroyed endpoint", StaleCap, || {
        sys::cap_copy(slots::OWN, FREE, Rights::all())?;
        sys::endpoint_destroy(slots::OWN)?;
        sys::recv(FREE).map(drop)
    }),
    refusal(415, "CapInfo of a destroyed endpoint", StaleCap, || {
        sys::endpoint_destroy(slots::OWN)?;
        sys::cap_info(slots::OWN).map(drop)
    }),
    refusal(416, "destroy an endpoint twice", StaleCap, || {
        sys::endpoint_destroy(slots::OWN)?;
        sys::endpoint_destroy(slots::OWN)
    }),
    refusal(417, "mint a badged capability", InvalidArgument, || {
        sys::cap_mint(slots::SUPERVISOR, FREE, Rights::all(), 99)
    }),
    refusal(418, "mint with badge 0", InvalidArgument, || {
        sys::cap_mint(slots::OWN, FREE, Rights::all(), 0)
    }),
    refusal(
        419,
        "mint with unknown rights bits",
        InvalidArgument,
        || raw(Sysnum::CapMint.raw(), [2, 20, 1 << 40, 7, 0, 0]),
    ),
    refusal(
        420,
        "copy with unknown rights bits",
        InvalidArgument,
        || raw(Sysnum::CapCopy.raw(), [2, 20, u64::MAX, 0, 0, 0]),
    ),
    refusal(421, "copy into an occupied slot", SlotOccupied, || {
        sys::cap_copy(slots::OWN, slots::NAMES, Rights::all())
    }),
    refusal(422, "copy into slot 64", InvalidSlot, || {
        sys::cap_copy(slots::OWN, OUT_OF_RANGE, Rights::all())
    }),
    refusal(423, "copy from an empty slot", EmptySlot, || {
        sys::cap_copy(FREE, CapSlot(21), Rights::all())
    }),
    refusal(424, "TaskGiveCap through an endpoint", WrongKind, || {
        sys::task_give_cap(slots::OWN, slots::NAMES, CapSlot(5), Rights::all())
    }),
    refusal(425, "TaskSetFault through an endpoint", WrongKind, || {
        sys::task_set_fault(slots::OWN, slots::OWN)
    }),
    refusal(426, "TaskReadRegs of an empty slot", EmptySlot, || {
        sys::task_read_regs(FREE)
    }),
    refusal(427, "TaskWriteRegs through an endpoint", WrongKind, || {
        sys::task_write_regs(slots::SUPERVISOR)
    }),
    refusal(
        428,
        "TaskDestroy through the supervisor endpoint",
        WrongKind,
        || sys::task_destroy(slots::SUPERVISOR),
    ),
    refusal(429, "TaskSetName through an endpoint", WrongKind, || {
        sys::task_set_name(slots::OWN, "evil")
    }),
    refusal(
        430,
        "AsCreate with an endpoint as the pool",
        WrongKind,
        || sys::as_create(slots::OWN, FREE),
    ),
    refusal(
        431,
        "EndpointCreate with an endpoint as the pool",
        WrongKind,
        || sys::endpoint_create(slots::NAMES, FREE),
    ),
    refusal(432, "delete an empty slot", EmptySlot, || {
        sys::cap_delete(FREE)
    }),
    refusal(433, "delete slot 64", InvalidSlot, || {
        sys::cap_delete(OUT_OF_RANGE)
    }),
    refusal(
        434,
        "the first number past the last syscall",
        UnknownSyscall,
        || {
            let past = Sysnum::ALL.iter().map(|n| n.raw() + 1).max();
            raw(past.unwrap_or(0), [0; 6])
        },
    ),
    refusal(435, "syscall u64::MAX", UnknownSyscall, || {
        raw(u64::MAX, [0; 6])
    }),
    refusal(436, "Call's number with bit 32 set", UnknownSyscall, || {
        raw(1 << 32 | Sysnum::Call.raw(), [1, EMPTY_TAG.0, 0, 0, 0, 0])
    }),
    refusal(
        437,
        "ReplyRecv's number with bit 63 set",
        UnknownSyscall,
        || raw(1 << 63 | Sysnum::ReplyRecv.raw(), [1, 0, 0, 0, 0, 0]),
    ),
    refusal(
        438,
        "send through a capability copied with no rights",
        MissingRights,
        || {
            sys::cap_copy(slots::NAMES, FREE, Rights::empty())?;
            send(FREE)
        },
    ),
    survival(439, "copies and mints cannot gain rights", no_rights_gained),
    refusal(442, "list the pages of its own endpoint", WrongKind, || {
        sys::as_pages(slots::OWN, 0, userlib::layout::USER_TOP).map(drop)
    }),
    survival(
        440,
        "fill the capability table, then empty it",
        fill_the_table,
    ),
    survival(
        441,
        "the last slot still names its object after interrupts",
        last_slot,
    ),
];

/// The capability in `slot` must be an endpoint with exactly `rights` and `badge`.
fn endpoint_is(slot: CapSlot, rights: Rights, badge: u64) -> Checked {
    let info = works(sys::cap_info(slot), "CapInfo")?;
    check(
        info.kind == CapKind::Endpoint,
        "an endpoint",
        info.kind.raw(),
    )?;
    check(
        info.rights == rights,
        "exactly the rights expected",
        info.rights.bits(),
    )?;
    check(info.badge == badge, "the badge kept", info.badge)
}

fn no_rights_gained() -> Checked {
    let supervisor = works(sys::cap_info(slots::SUPERVISOR), "CapInfo")?;
    check(
        supervisor.rights == Rights::SEND | Rights::GRANT,
        "supervisor: send and grant",
        supervisor.rights.bits(),
    )?;
    works(
        sys::cap_copy(slots::SUPERVISOR, CapSlot(20), Rights::all()),
        "copy",
    )?;
    endpoint_is(CapSlot(20), supervisor.rights, supervisor.badge)?;
    works(
        sys::cap_mint(slots::OWN, CapSlot(21), Rights::SEND, 0x5eed),
        "mint",
    )?;
    endpoint_is(CapSlot(21), Rights::SEND, 0x5eed)?;
    works(
        sys::cap_copy(CapSlot(21), CapSlot(22), Rights::all()),
        "copy of the mint",
    )?;
    endpoint_is(CapSlot(22), Rights::SEND, 0x5eed)?;
    refused(
        sys::recv(CapSlot(22)),
        SysError::MissingRights,
        "receive on a send-only copy",
    )?;
    refused(
        sys::endpoint_destroy(CapSlot(22)),
        SysError::MissingRights,
        "destroy through a send-only copy",
    )
}

fn fill_the_table() -> Checked {
    let mut filled = 0;
    for slot in (0..CAP_SLOTS as u32).map(CapSlot) {
        if sys::cap_info(slot) == Err(SysError::EmptySlot) {
            works(
                sys::cap_copy(slots::NAMES, slot, Rights::all()),
                "copy into an empty slot",
            )?;
            filled += 1;
        }
    }
    check(
        filled == CAP_SLOTS as u64 - 3,
        "every slot but the three given filled",
        filled,
    )?;
    for slot in (0..CAP_SLOTS as u32).map(CapSlot) {
        refused(
            sys::cap_copy(slots::NAMES, slot, Rights::all()),
            SysError::SlotOccupied,
            "copy into a full table",
        )?;
    }
    for slot in (3..CAP_SLOTS as u32).map(CapSlot) {
        works(sys::cap_delete(slot), "delete a copy")?;
    }
    for slot in (3..CAP_SLOTS as u32).map(CapSlot) {
        refused(sys::cap_info(slot), SysError::EmptySlot, "an emptied slot")?;
    }
    endpoint_is(
        slots::NAMES,
        Rights::SEND | Rights::GRANT,
        userlib::process::getpid(),
    )
}

/// The regression test for trap entry writing below the task's save area: the word it overwrote
/// with RFLAGS (on every interrupt from user mode) was the object index of the capability in the
/// task's last slot, so that capability came to name another object.
fn last_slot() -> Checked {
    let last = CapSlot(CAP_SLOTS as u32 - 1);
    works(
        sys::cap_copy(slots::SUPERVISOR, last, Rights::all()),
        "copy into the last slot",
    )?;
    let interruptions = spin_with_fixed_flags(3);
    check(interruptions == 3, "timer interruptions", interruptions)?;
    // Still the memory server's endpoint: a call through it reaches the server, which refuses
    // the unknown label.
    let reply = works(
        sys::call(last, MsgTag::new(0x441, 0, 0), [0; 4]),
        "call through it",
    )?;
    let refused = userlib::abi::memsrv::MemError::BadRequest as u32;
    check(
        reply.tag.label() == refused,
        "the server's refusal",
        reply.tag.0,
    )?;
    works(sys::cap_delete(last), "delete it")
}
