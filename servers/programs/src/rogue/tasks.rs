//! Tasks the rogue creates in its own space and controls in hostile ways: stopping themselves,
//! stopped while their fault waits, given registers and flags no task may have, running a syscall
//! at the very top of user space, handed capabilities through masks, loading segment selectors,
//! raising every interrupt vector, and destroyed in the middle of IPC.
use super::helper::{end_endpoint, endpoint, next_fault, wait_for, Fault, Helper};
use super::jobs::{self, *};
use crate::hostile::asm::{flags, int_instruction, segments, store};
use crate::hostile::case::{check, refused, survival, works, Case, Checked};
use core::sync::atomic::Ordering::SeqCst;
use userlib::abi::msg::fault;
use userlib::arch::syscall_raw;
use userlib::layout::{PAGE_SIZE, USER_END, USER_TOP};
use userlib::SysError::*;
use userlib::{
    slots, sys, AddressSpace, CapKind, CapSlot, FramePool, PageRights, Rights, SysError, Sysnum,
    Task,
};

const POOL: FramePool = FramePool(slots::POOL);
const SPACE: AddressSpace = AddressSpace(slots::SELF_SPACE);
const HELPER: CapSlot = CapSlot(30);
const SECOND: CapSlot = CapSlot(31);
const FAULTS: CapSlot = CapSlot(32);
const KERNEL_TEXT: u64 = 0xFFFF_FFFF_8000_0000;

pub const CASES: &[Case] = &[
    survival(
        200,
        "a task that stops itself gets 0 when restarted",
        stops_itself,
    ),
    survival(
        201,
        "stop a task whose fault is queued: its rax is kept",
        || stopped_fault(false),
    ),
    survival(
        202,
        "stop a task whose fault was received: its rax is kept",
        || stopped_fault(true),
    ),
    survival(
        203,
        "set registers with rip or rsp outside user space",
        hostile_rip_rsp,
    ),
    survival(
        204,
        "set RFLAGS with IOPL, NT, VM, AC, TF, IF clear",
        hostile_rflags,
    ),
    survival(
        205,
        "set the registers of a running task, start it twice",
        running_task,
    ),
    survival(
        206,
        "a syscall in the last bytes below the top page",
        syscall_at_the_top,
    ),
    survival(
        207,
        "capabilities given through a mask",
        given_through_a_mask,
    ),
    survival(
        208,
        "start a task whose registers were never set",
        never_set,
    ),
    survival(
        209,
        "segment selectors stay with the task that loaded them",
        segment_selectors,
    ),
    survival(
        210,
        "reply to a task waiting on another server",
        reply_to_anothers_client,
    ),
    survival(211, "int 0 to int 255, each reported exactly", every_vector),
    survival(
        212,
        "a task that exited cannot be stopped, started or set",
        exited,
    ),
    survival(
        213,
        "destroy a fault endpoint while a fault waits on it",
        fault_endpoint_destroyed,
    ),
    survival(
        214,
        "destroy a server in the middle of a call",
        server_destroyed,
    ),
    survival(
        215,
        "destroy a caller in the middle of a call",
        caller_destroyed,
    ),
    survival(216, "stop a task blocked in Recv", stopped_in_recv),
    survival(
        217,
        "a helper's exit reported to init with the rogue's badge",
        exit_to_init,
    ),
];

/// The regression test for a task that stops itself: restarted, its `TaskStop` once returned the
/// syscall number in rax instead of 0.
fn stops_itself() -> Checked {
    jobs::reset();
    let helper = Helper::new(HELPER, 0, stop_itself)?;
    works(
        helper.task.give_cap(HELPER, CapSlot(0), Rights::CONTROL),
        "give it its own capability",
    )?;
    helper.start()?;
    // It stops itself; starting it again succeeds only once it has.
    let restarted = wait_for("the helper to stop itself", || helper.task.start().is_ok());
    let ran_on =
        restarted.and_then(|()| wait_for("the helper to run on", || DONE.load(SeqCst) == 1));
    helper.end();
    ran_on?;
    check(
        RESULT.load(SeqCst) == 0,
        "TaskStop returned 0",
        RESULT.load(SeqCst),
    )
}

fn fault_is(fault: &Fault, helper: &Helper, label: u32, detail: u64) -> Checked {
    check(
        fault.label == label,
        "the kind of fault",
        fault.label as u64,
    )?;
    check(fault.pid == helper.pid(), "the faulting task", fault.pid)?;
    check(
        fault.detail == detail,
        "the vector or address",
        fault.detail,
    )
}

/// The regression test for `TaskStop` and a waiting fault: stopping a task whose fault message
/// waited on its endpoint once set its rax to `Interrupted`, a value it never had.
fn stopped_fault(received: bool) -> Checked {
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, fault_with_marker)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        helper.start()?;
        if received {
            fault_is(
                &next_fault(faults)?,
                &helper,
                fault::EXCEPTION,
                INVALID_OPCODE,
            )?;
        } else {
            // Let it run into its fault; the message waits, as nobody receives yet.
            for _ in 0..50 {
                sys::yield_now();
            }
        }
        works(helper.task.stop(), "stop it")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        check(
            regs.rip == marker_fault_address(),
            "stopped at its fault",
            regs.rip,
        )?;
        check(regs.rax == MARKER, "rax kept", regs.rax)?;
        // Restarted, it runs its faulting instruction again, and the fault arrives as before.
        helper.start()?;
        fault_is(
            &next_fault(faults)?,
            &helper,
            fault::EXCEPTION,
            INVALID_OPCODE,
        )?;
        works(helper.task.stop(), "stop it again")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        check(
            regs.rax == MARKER,
            "rax kept after the second fault",
            regs.rax,
        )
    })();
    helper.end();
    end_endpoint(faults);
    result
}

fn hostile_rip_rsp() -> Checked {
    let helper = Helper::new(HELPER, 0, park)?;
    let result = (|| {
        let good = works(helper.task.read_regs(), "read its registers")?;
        for rip in [
            USER_TOP,
            USER_TOP + 0x10,
            USER_END,
            USER_END + 0x1000,
            KERNEL_TEXT,
            u64::MAX,
        ] {
            let bad = userlib::UserRegs { rip, ..good };
            refused(
                helper.task.write_regs(&bad),
                InvalidArgument,
                "rip outside user space",
            )?;
        }
        for rsp in [USER_END, USER_END + 0x1000, KERNEL_TEXT, u64::MAX] {
            let bad = userlib::UserRegs { rsp, ..good };
            refused(
                helper.task.write_regs(&bad),
                InvalidArgument,
                "rsp outside user space",
            )?;
        }
        let now = works(helper.task.read_regs(), "read its registers")?;
        check(now == good, "registers unchanged by the refusals", now.rip)?;
        let edge = userlib::UserRegs {
            rip: USER_TOP - 1,
            rsp: USER_END - 8,
            ..good
        };
        works(
            helper.task.write_regs(&edge),
            "rip and rsp at the very top of user space",
        )
    })();
    helper.end();
    result
}

/// Flags a task may not have: the kernel must keep only the arithmetic flags and DF, and IF.
const HOSTILE_FLAGS: u64 =
    flags::IOPL | flags::NT | flags::VM | flags::AC | flags::TF | 1 << 16 | 1 << 21 | 1;
const FORBIDDEN_FLAGS: u64 =
    flags::IOPL | flags::NT | flags::VM | flags::AC | flags::TF | 1 << 16 | 1 << 21;

fn hostile_rflags() -> Checked {
    jobs::reset();
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, flags_then_cli)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        let hostile = userlib::UserRegs {
            rflags: HOSTILE_FLAGS,
            ..regs
        };
        works(helper.task.write_regs(&hostile), "set hostile flags")?;
        let set = works(helper.task.read_regs(), "read them back")?.rflags;
        check(
            set & FORBIDDEN_FLAGS == 0,
            "no IOPL, NT, VM, AC, TF, RF or ID",
            set,
        )?;
        check(
            set & flags::IF != 0 && set & 1 != 0,
            "IF forced on, CF kept",
            set,
        )?;
        helper.start()?;
        let f = next_fault(faults)?;
        fault_is(&f, &helper, fault::EXCEPTION, GENERAL_PROTECTION)?;
        let seen = RESULT.load(SeqCst);
        check(
            seen & FORBIDDEN_FLAGS == 0,
            "the task runs without them",
            seen,
        )?;
        check(
            seen & flags::IF != 0,
            "the task runs with interrupts on",
            seen,
        )
    })();
    helper.end();
    end_endpoint(faults);
    result
}

fn running_task() -> Checked {
    let helper = Helper::new(HELPER, 0, park)?;
    let result = (|| {
        let regs = works(helper.task.read_regs(), "read its registers")?;
        helper.start()?;
        refused(
            helper.task.write_regs(&regs),
            BadTaskState,
            "set a running task's registers",
        )?;
        refused(helper.task.start(), BadTaskState, "start a running task")?;
        works(helper.task.stop(), "stop it")?;
        works(
            helper.task.write_regs(&regs),
            "set a stopped task's registers",
        )
    })();
    helper.end();
    result
}

/// `syscall` is two bytes; at the end of the highest mappable page it returns to `USER_TOP`,
/// which is canonical (the page above it could never be mapped, so no syscall can end at the
/// non-canonical `USER_END` and make `sysretq` fault in the kernel).
fn syscall_at_the_top() -> Checked {
    let page = USER_TOP - PAGE_SIZE;
    let frame = works(POOL.alloc(), "alloc")?;
    works(
        SPACE.map(POOL, frame, page, PageRights::WRITE | PageRights::EXECUTE),
        "map the highest page",
    )?;
    store(USER_TOP - 8, 0x050f << 48); // `syscall` in its last two bytes
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, park);
    let result = helper.as_ref().map_err(|f| *f).and_then(|helper| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        let at_top = userlib::UserRegs {
            rip: USER_TOP - 2,
            rax: Sysnum::Yield.raw(),
            ..regs
        };
        works(helper.task.write_regs(&at_top), "point it at the syscall")?;
        helper.start()?;
        // Stay ready, so that its yield switches to the rogue and the kernel returns to it later
        // by the full path (which once asserted that sysretq never returns to `USER_TOP`).
        for _ in 0..20 {
            sys::yield_now();
        }
        let f = next_fault(faults)?;
        fault_is(&f, helper, fault::PAGE_FAULT, USER_TOP)?;
        check(
            f.rip == USER_TOP && f.error & 0x10 != 0,
            "fetching at the top page",
            f.error,
        )?;
        works(helper.task.stop(), "stop it")?;
        let after = works(helper.task.read_regs(), "read its registers")?;
        check(after.rax == 0, "the syscall returned 0", after.rax)
    });
    if let Ok(helper) = helper {
        helper.end();
    }
    end_endpoint(faults);
    works(SPACE.unmap(page), "unmap")?;
    works(POOL.free(frame), "free")?;
    result
}

fn given_through_a_mask() -> Checked {
    jobs::reset();
    let helper = Helper::new(HELPER, 0, describe_caps)?;
    let result = (|| {
        let give = |src, dst, mask| helper.task.give_cap(src, CapSlot(dst), mask);
        works(
            give(slots::SHARED, 0, Rights::SEND),
            "give a send-only endpoint",
        )?;
        works(
            give(slots::SELF_SPACE, 1, Rights::READ | Rights::CONTROL),
            "give a read-only space",
        )?;
        works(
            give(slots::POOL, 2, Rights::empty()),
            "give a rightless pool",
        )?;
        refused(
            give(slots::SHARED, 0, Rights::all()),
            SlotOccupied,
            "give into an occupied slot",
        )?;
        refused(
            give(slots::SHARED, 64, Rights::all()),
            InvalidSlot,
            "give into slot 64",
        )?;
        refused(
            give(CapSlot(60), 3, Rights::all()),
            EmptySlot,
            "give from an empty slot",
        )?;
        let a = [HELPER.0 as u64, slots::SHARED.0 as u64, 3, 1 << 9, 0, 0];
        let raw = SysError::from_rax(syscall_raw(Sysnum::TaskGiveCap.raw(), a, 0).rax);
        refused(raw, InvalidArgument, "give with unknown rights bits")?;
        helper.start()?;
        wait_for("the helper to describe its capabilities", || {
            DONE.load(SeqCst) == 1
        })?;
        let want = [
            (CapKind::Endpoint, Rights::SEND),
            (CapKind::AddressSpace, Rights::READ | Rights::CONTROL),
            (CapKind::FramePool, Rights::empty()),
        ];
        for (i, (kind, rights)) in want.into_iter().enumerate() {
            let seen = SEEN[i].load(SeqCst);
            check(
                seen == kind.raw() << 32 | rights.bits(),
                "exactly the masked rights",
                seen,
            )?;
        }
        check(
            RESULT.load(SeqCst) == MissingRights.raw(),
            "the rightless pool refuses",
            RESULT.load(SeqCst),
        )
    })();
    helper.end();
    result
}

fn never_set() -> Checked {
    let faults = endpoint(FAULTS)?;
    let result = (|| {
        let (task, _) = works(SPACE.create_task(HELPER), "create a task")?;
        works(task.set_fault(faults), "set its fault endpoint")?;
        works(task.start(), "start it")?;
        let f = next_fault(faults)?;
        check(
            f.label == fault::PAGE_FAULT && f.detail == 0 && f.rip == 0,
            "a fetch fault at 0",
            f.detail,
        )?;
        check(f.error & 0x10 != 0, "an instruction fetch", f.error)
    })();
    let _ = Task(HELPER).destroy();
    let _ = sys::cap_delete(HELPER);
    end_endpoint(faults);
    result
}

fn segment_selectors() -> Checked {
    jobs::reset();
    check(
        segments() == [0; 4],
        "the rogue starts with null selectors",
        pack(segments()),
    )?;
    let loader = Helper::new(HELPER, 0, load_segments)?;
    let observer = Helper::new(SECOND, 1, report_segments);
    let result = observer.as_ref().map_err(|f| *f).and_then(|observer| {
        loader.start()?;
        wait_for("the loader to load", || DONE.load(SeqCst) == 1)?;
        check(
            segments() == [0; 4],
            "the rogue's own selectors after the load",
            pack(segments()),
        )?;
        observer.start()?;
        wait_for("the loader to look again", || DONE.load(SeqCst) == 3)?;
        check(
            RESULT.load(SeqCst) == 0,
            "a new task sees null selectors",
            RESULT.load(SeqCst),
        )?;
        check(
            SEEN[0].load(SeqCst) == pack(LOADED),
            "the loader keeps its own",
            SEEN[0].load(SeqCst),
        )
    });
    loader.end();
    if let Ok(observer) = observer {
        observer.end();
    }
    result
}

fn reply_to_anothers_client() -> Checked {
    jobs::reset();
    let ep = endpoint(FAULTS)?;
    let server = Helper::new(HELPER, 0, hold_a_call)?;
    let client = Helper::new(SECOND, 1, call_slot_0);
    let result = client.as_ref().map_err(|f| *f).and_then(|client| {
        works(
            server.task.give_cap(FAULTS, CapSlot(0), Rights::RECEIVE),
            "give the server the endpoint",
        )?;
        works(
            client.task.give_cap(FAULTS, CapSlot(0), Rights::SEND),
            "give the client the endpoint",
        )?;
        server.start()?;
        client.start()?;
        wait_for("the server to hold the call", || HELD.load(SeqCst) == 1)?;
        check(
            SEEN[0].load(SeqCst) == client.id,
            "the server saw the client",
            SEEN[0].load(SeqCst),
        )?;
        let forged = userlib::ipc::message(0, &[0xF0F0]);
        refused(
            userlib::ipc::reply(client.id, &forged),
            NoReplyTarget,
            "reply to another's client",
        )?;
        GO.store(1, SeqCst);
        wait_for("the client to get its answer", || {
            CLIENT_DONE.load(SeqCst) == 1
        })?;
        check(
            RESULT.load(SeqCst) == ANSWER,
            "the real server's answer",
            RESULT.load(SeqCst),
        )
    });
    server.end();
    if let Ok(client) = client {
        client.end();
    }
    end_endpoint(ep);
    result
}

/// What `int vector` must raise: #BP for the one gate user mode may use (reported after the
/// instruction), #GP naming the IDT entry for every other (older QEMU versions report `N * 16 + 2`
/// where hardware reports `N * 8 + 2`).
fn vector_checks(vector: u8, f: &Fault) -> Checked {
    let at = int_instruction(vector);
    if vector == 3 {
        check(
            f.detail == 3 && f.rip == at + 2,
            "int 3 is a breakpoint",
            f.detail,
        )
    } else {
        check(
            f.detail == GENERAL_PROTECTION && f.rip == at,
            "#GP at the int",
            f.detail,
        )?;
        let entry = [vector as u64 * 8 + 2, vector as u64 * 16 + 2];
        check(
            entry.contains(&f.error),
            "the error code names the gate",
            f.error,
        )
    }
}

fn every_vector() -> Checked {
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, park)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        for vector in 0..=255u8 {
            let at = userlib::UserRegs {
                rip: int_instruction(vector),
                ..regs
            };
            works(helper.task.write_regs(&at), "point it at the int")?;
            helper.start()?;
            let f = next_fault(faults)?;
            check(
                f.label == fault::EXCEPTION && f.pid == helper.pid(),
                "an exception",
                vector as u64,
            )?;
            vector_checks(vector, &f)?;
            works(helper.task.stop(), "stop it")?;
        }
        Ok(())
    })();
    helper.end();
    end_endpoint(faults);
    result
}

fn exited() -> Checked {
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, exit_77)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        helper.start()?;
        fault_is(&next_fault(faults)?, &helper, fault::EXIT, 77)?;
        let regs = works(helper.task.read_regs(), "read an exited task's registers")?;
        refused(helper.task.stop(), BadTaskState, "stop an exited task")?;
        refused(helper.task.start(), BadTaskState, "start an exited task")?;
        refused(
            helper.task.write_regs(&regs),
            BadTaskState,
            "set an exited task's registers",
        )
    })();
    helper.end();
    end_endpoint(faults);
    result
}

fn fault_endpoint_destroyed() -> Checked {
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, fault_with_marker)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        helper.start()?;
        for _ in 0..50 {
            sys::yield_now();
        }
        works(faults.destroy(), "destroy the fault endpoint")?;
        // It resumes, faults again with nowhere to report, and the kernel kills it.
        wait_for("the kernel to kill the helper", || {
            helper.task.info() == Err(StaleCap)
        })
    })();
    helper.end();
    end_endpoint(faults);
    result
}

fn server_destroyed() -> Checked {
    jobs::reset();
    let ep = endpoint(FAULTS)?;
    let server = Helper::new(HELPER, 0, hold_a_call)?;
    let client = Helper::new(SECOND, 1, call_slot_0);
    let result = client.as_ref().map_err(|f| *f).and_then(|client| {
        works(
            server.task.give_cap(FAULTS, CapSlot(0), Rights::RECEIVE),
            "give the server the endpoint",
        )?;
        works(
            client.task.give_cap(FAULTS, CapSlot(0), Rights::SEND),
            "give the client the endpoint",
        )?;
        server.start()?;
        client.start()?;
        wait_for("the server to hold the call", || HELD.load(SeqCst) == 1)?;
        works(server.task.destroy(), "destroy the server")?;
        wait_for("the client to wake", || CLIENT_DONE.load(SeqCst) == 1)?;
        check(
            RESULT.load(SeqCst) == PeerDied.raw() << 32,
            "the call fails with PeerDied",
            RESULT.load(SeqCst),
        )
    });
    server.end();
    if let Ok(client) = client {
        client.end();
    }
    end_endpoint(ep);
    result
}

fn caller_destroyed() -> Checked {
    jobs::reset();
    let ep = endpoint(FAULTS)?;
    let server = Helper::new(HELPER, 0, hold_a_call)?;
    let client = Helper::new(SECOND, 1, call_slot_0);
    let result = client.as_ref().map_err(|f| *f).and_then(|client| {
        works(
            server.task.give_cap(FAULTS, CapSlot(0), Rights::RECEIVE),
            "give the server the endpoint",
        )?;
        works(
            client.task.give_cap(FAULTS, CapSlot(0), Rights::SEND),
            "give the client the endpoint",
        )?;
        server.start()?;
        client.start()?;
        wait_for("the server to hold the call", || HELD.load(SeqCst) == 1)?;
        works(client.task.destroy(), "destroy the client")?;
        GO.store(1, SeqCst);
        wait_for("the server to reply", || SERVER_DONE.load(SeqCst) == 1)?;
        check(
            SEEN[1].load(SeqCst) == NoReplyTarget.raw(),
            "the reply finds nobody",
            SEEN[1].load(SeqCst),
        )
    });
    server.end();
    if let Ok(client) = client {
        client.end();
    }
    end_endpoint(ep);
    result
}

fn stopped_in_recv() -> Checked {
    jobs::reset();
    let ep = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, receive_on_slot_0)?;
    let result = (|| {
        works(
            helper.task.give_cap(FAULTS, CapSlot(0), Rights::RECEIVE),
            "give it the endpoint",
        )?;
        helper.start()?;
        for _ in 0..50 {
            sys::yield_now();
        }
        works(helper.task.stop(), "stop it")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        check(
            regs.rax == Interrupted.raw(),
            "its Recv ends Interrupted",
            regs.rax,
        )?;
        helper.start()?;
        wait_for("the helper to run on", || DONE.load(SeqCst) == 1)?;
        check(
            RESULT.load(SeqCst) == Interrupted.raw(),
            "and it sees Interrupted",
            RESULT.load(SeqCst),
        )
    })();
    helper.end();
    end_endpoint(ep);
    result
}

/// A pool holder can make the supervisor endpoint init gave it (badged as itself) the fault
/// endpoint of a task of its own: the kernel's exit notice then reaches init with the rogue's
/// badge, but is about another task. Init must not take it for the rogue's own exit.
fn exit_to_init() -> Checked {
    jobs::reset();
    let helper = Helper::new(HELPER, 0, exit_77)?;
    let result = (|| {
        let supervisor = userlib::cap::supervisor();
        works(
            helper.task.set_fault(supervisor),
            "make init its supervisor",
        )?;
        helper.start()?;
        wait_for("the helper to exit", || DONE.load(SeqCst) == 1)?;
        for _ in 0..20 {
            sys::yield_now();
        }
        // Init handles messages in order: when it answers this, it has seen the exit notice.
        let reply = works(
            supervisor.call(&userlib::ipc::message(0x217, &[])),
            "call init",
        )?;
        check(
            reply.tag.label() == u32::MAX,
            "init refuses the call",
            reply.tag.0,
        )
    })();
    helper.end();
    result
}
