//! Cases 8 and 10: invalid accesses, and messages only the kernel may send.
use crate::checks::{fork_child, Checks, SCRATCH};
use userlib::abi::memsrv::{ExitHow, ForkMode, MemError};
use userlib::abi::msg::fault;
use userlib::layout::PAGE_SIZE;
use userlib::process::Error;
use userlib::process::{self, getpid, Status};
use userlib::{println, slots, sys, MsgTag};

/// An address in user space that nothing maps (not the program, heap, stack or scratch pages).
pub const UNMAPPED: u64 = 0x0000_5000_0000_0000;
/// The start of the kernel's half.
pub const KERNEL: u64 = 0xffff_8000_0000_0000;

fn write_to(addr: u64) -> i32 {
    // SAFETY: none: this write is meant to fault, and the memory server kills the process before
    // it could go on. It is volatile so that it really happens.
    unsafe { (addr as *mut u64).write_volatile(0xdead) };
    println!(
        "forktest:8: pid {}: wrote to {addr:#x} and survived",
        getpid()
    );
    1
}

fn read_from(addr: u64) -> i32 {
    // SAFETY: as in `write_to`.
    let value = unsafe { (addr as *const u64).read_volatile() };
    println!(
        "forktest:8: pid {}: read {value:#x} at {addr:#x} and survived",
        getpid()
    );
    1
}

pub fn invalid_access(c: &mut Checks) {
    let code = invalid_access as *const () as u64;
    type Offender = (&'static str, fn() -> i32);
    let offenders: [Offender; 3] = [
        ("a write to its own code", || {
            write_to(invalid_access as *const () as u64)
        }),
        ("a read of an unmapped address", || read_from(UNMAPPED)),
        ("a write to kernel memory", || write_to(KERNEL)),
    ];
    println!("forktest:8: the code is at {code:#x}");
    for (what, offend) in offenders {
        let killed = match fork_child(ForkMode::CopyOnWrite, offend) {
            Ok(pid) => {
                process::waitpid(pid)
                    == Ok(Status {
                        pid,
                        how: ExitHow::Killed,
                        code: -1,
                    })
            }
            Err(_) => false,
        };
        c.check(
            killed,
            &alloc::format!("{what} kills the child; the parent sees it killed"),
        );
    }
    let carries_on = process::page_alloc(SCRATCH).is_ok() && process::frame_of(SCRATCH).is_ok();
    c.check(carries_on, "the parent carries on");
}

/// A message with a fault label, as only the kernel may send, naming ourselves.
fn forged(label: u32, addr: u64) -> (MsgTag, [u64; 4]) {
    let write_from_user = 0b110;
    let rip = forged as *const () as u64;
    (
        MsgTag::new(label, 4, 0),
        [sys::task_self(), addr, write_from_user, rip],
    )
}

pub fn forged_messages(c: &mut Checks) {
    let called = SCRATCH;
    let sent = SCRATCH + PAGE_SIZE;
    let (tag, words) = forged(fault::PAGE_FAULT, called);
    let reply = sys::call(slots::SUPERVISOR, tag, words);
    println!("forktest:10: a forged page fault by call: {reply:?}");
    c.check(
        reply.is_ok_and(|m| m.tag.label() != 0),
        "a forged page fault (call) is refused",
    );
    let (tag, words) = forged(fault::PAGE_FAULT, sent);
    let _ = sys::send(slots::SUPERVISOR, tag, words);
    let (tag, words) = forged(fault::EXIT, 0);
    let _ = sys::send(slots::SUPERVISOR, tag, words);
    // No page appeared: the addresses are still free to allocate.
    for (addr, how) in [(called, "call"), (sent, "send")] {
        c.check(
            process::frame_of(addr).is_err() && process::page_alloc(addr).is_ok(),
            &alloc::format!("the forged fault ({how}) mapped nothing"),
        );
    }
    // A forged exit did not end us: the server still knows us, and we can fork.
    let child = fork_child(ForkMode::CopyOnWrite, || 0);
    c.check(
        child.is_ok_and(|pid| process::waitpid(pid).is_ok_and(|s| s.code == 0)),
        "a forged exit did not end the process",
    );
    c.check(
        process::wait() == Err(Error::Mem(MemError::NoChild)),
        "and made no child appear",
    );
}
