//! Device calls by a program that holds no system capability: interrupt lines, I/O ports and the
//! framebuffer's device frames made from endpoints, device calls on endpoints, empty and
//! out-of-range slots. (Misuse with the authority itself needs a device holder: `rogue` 140..,
//! 150...)
use test_programs::hostile::case::{refusal, Case};
use userlib::abi::cap::CAP_SLOTS;
use userlib::abi::device::FRAMEBUFFER;
use userlib::SysError::*;
use userlib::{slots, sys, CapSlot, PageRights};

const FREE: CapSlot = CapSlot(20);

pub const CASES: &[Case] = &[
    refusal(470, "an interrupt line from an endpoint", WrongKind, || {
        sys::irq_handler_create(slots::OWN, 8, FREE)
    }),
    refusal(471, "the PIC's ports from an endpoint", WrongKind, || {
        sys::io_port_create(slots::SUPERVISOR, 0x20, 2, FREE)
    }),
    refusal(472, "acknowledge an endpoint", WrongKind, || {
        sys::irq_ack(slots::OWN)
    }),
    refusal(473, "bind an endpoint's line", WrongKind, || {
        sys::irq_set_notification(slots::NAMES, slots::OWN)
    }),
    refusal(474, "read a port through an empty slot", EmptySlot, || {
        sys::io_in(FREE, 0x70, 1).map(drop)
    }),
    refusal(475, "write a port through slot 64", InvalidSlot, || {
        sys::io_out(CapSlot(CAP_SLOTS as u32), 0xF4, 1, 0x10)
    }),
    refusal(
        476,
        "the framebuffer's frames from an endpoint",
        WrongKind,
        || sys::device_frames_create(slots::OWN, FRAMEBUFFER, FREE).map(drop),
    ),
    refusal(
        477,
        "map device memory through an endpoint",
        WrongKind,
        || sys::as_map_device(slots::OWN, slots::OWN, 0x4000_0000, 0, PageRights::WRITE).map(drop),
    ),
    refusal(
        478,
        "map device memory through an empty slot",
        EmptySlot,
        || sys::as_map_device(FREE, slots::OWN, 0x4000_0000, 0, PageRights::WRITE).map(drop),
    ),
];
