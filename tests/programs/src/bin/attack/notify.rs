//! Notification misuse by a program that holds none (and no pool to make one): the notification
//! calls on endpoints, on empty and out-of-range slots, and creating one without a pool. (Misuse
//! of real notifications needs a pool holder: `rogue` 130...)
use test_programs::hostile::case::{refusal, Case};
use userlib::abi::cap::CAP_SLOTS;
use userlib::SysError::*;
use userlib::{slots, sys, CapSlot};

const FREE: CapSlot = CapSlot(20);

pub const CASES: &[Case] = &[
    refusal(
        450,
        "create a notification with an endpoint as the pool",
        WrongKind,
        || sys::notification_create(slots::OWN, FREE),
    ),
    refusal(451, "signal an endpoint", WrongKind, || {
        sys::signal(slots::SUPERVISOR)
    }),
    refusal(452, "wait on an endpoint", WrongKind, || {
        sys::wait(slots::OWN).map(drop)
    }),
    refusal(453, "bind an endpoint as a notification", WrongKind, || {
        sys::notification_bind(slots::OWN)
    }),
    refusal(
        454,
        "destroy the name service's endpoint as a notification",
        WrongKind,
        || sys::notification_destroy(slots::NAMES),
    ),
    refusal(455, "poll an empty slot", EmptySlot, || {
        sys::poll(FREE).map(drop)
    }),
    refusal(456, "signal slot 64", InvalidSlot, || {
        sys::signal(CapSlot(CAP_SLOTS as u32))
    }),
];
