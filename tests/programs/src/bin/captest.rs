//! Checks that the kernel rejects invalid capability use with the right error codes.
#![no_std]
#![no_main]

use core::fmt::Debug;
use userlib::ipc::message;
use userlib::{println, slots, sys, CapKind, CapSlot, Endpoint, MsgTag, Rights, SysError};

userlib::entry!(main);

struct Checks {
    failed: usize,
}

impl Checks {
    fn report(&mut self, what: &str, ok: bool, got: impl Debug) {
        if ok {
            println!("captest: {what}: ok");
        } else {
            self.failed += 1;
            println!("captest: {what}: FAILED (got {got:?})");
        }
    }

    /// `got` must be the error `want`.
    fn fails<T: Debug>(&mut self, what: &str, got: Result<T, SysError>, want: SysError) {
        let ok = matches!(&got, Err(e) if *e == want);
        self.report(what, ok, got);
    }

    /// `got` must succeed.
    fn works<T: Debug>(&mut self, what: &str, got: Result<T, SysError>) {
        self.report(what, got.is_ok(), got);
    }
}

const SCRATCH: CapSlot = CapSlot(10);
const MINTED: CapSlot = CapSlot(11);
const REMINTED: CapSlot = CapSlot(12);

fn main() -> i32 {
    let mut c = Checks { failed: 0 };

    c.fails(
        "cap_info on an empty slot",
        sys::cap_info(CapSlot(20)),
        SysError::EmptySlot,
    );
    c.fails(
        "cap_info on slot 9999",
        sys::cap_info(CapSlot(9999)),
        SysError::InvalidSlot,
    );

    c.works(
        "copy own endpoint with receive right only",
        sys::cap_copy(slots::OWN, SCRATCH, Rights::RECEIVE),
    );
    let receive_only = Endpoint(SCRATCH);
    c.fails(
        "send without the send right",
        receive_only.send(&message(1, &[])),
        SysError::MissingRights,
    );
    let info = sys::cap_info(SCRATCH);
    c.report(
        "cap_info reports a receive-only endpoint",
        matches!(info, Ok(i) if i.kind == CapKind::Endpoint && i.rights == Rights::RECEIVE),
        info,
    );
    c.fails(
        "frame_alloc on an endpoint",
        sys::frame_alloc(SCRATCH),
        SysError::WrongKind,
    );
    c.works("cap_delete", sys::cap_delete(SCRATCH));
    c.fails(
        "send on a deleted slot",
        receive_only.send(&message(1, &[])),
        SysError::EmptySlot,
    );
    c.fails(
        "cap_copy into an occupied slot",
        sys::cap_copy(slots::OWN, slots::SUPERVISOR, Rights::all()),
        SysError::SlotOccupied,
    );
    c.fails(
        "debug_write from a kernel address",
        sys::debug_write_raw(0xffff_8000_0000_0000, 8),
        SysError::BadAddress,
    );
    c.fails(
        "debug_write from an unmapped address",
        sys::debug_write_raw(0x5000_0000_0000, 8),
        SysError::NotMapped,
    );

    c.works(
        "cap_mint with badge 7",
        sys::cap_mint(slots::OWN, MINTED, Rights::all(), 7),
    );
    let info = sys::cap_info(MINTED);
    c.report(
        "cap_info reports badge 7",
        matches!(info, Ok(i) if i.badge == 7),
        info,
    );
    c.fails(
        "cap_mint from a badged endpoint",
        sys::cap_mint(MINTED, REMINTED, Rights::all(), 8),
        SysError::InvalidArgument,
    );

    // Nobody else can send on its own endpoint now: a receive with a timeout ends TimedOut (and
    // the kernel idles meanwhile if nothing else runs).
    c.fails(
        "receive with a 3-tick timeout on its own endpoint",
        sys::recv_timeout(slots::OWN, 3),
        SysError::TimedOut,
    );

    // Destroying the endpoint makes every capability to it stale (the minted copy included).
    c.works(
        "endpoint_destroy of its own endpoint",
        sys::endpoint_destroy(slots::OWN),
    );
    c.fails(
        "send through a capability to a destroyed endpoint",
        sys::send(MINTED, MsgTag::new(0, 0, 0), [0; 4]),
        SysError::StaleCap,
    );
    c.fails(
        "cap_info on a capability to a destroyed endpoint",
        sys::cap_info(slots::OWN),
        SysError::StaleCap,
    );

    if c.failed == 0 {
        println!("captest: all checks passed");
        0
    } else {
        println!("captest: {} checks FAILED", c.failed);
        1
    }
}
