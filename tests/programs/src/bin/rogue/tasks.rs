//! Tasks the rogue creates in its own space, stopped, started and ended in hostile ways: stopping
//! themselves, stopped while their fault waits or while they receive, started with registers never
//! set, exited, and reporting their exit to init under the rogue's badge.
use super::helper::{end_endpoint, endpoint, fault_is, next_fault, wait_for, wait_until, Helper};
use super::jobs::{self, *};
use core::sync::atomic::Ordering::SeqCst;
use test_programs::hostile::case::{check, refused, survival, works, Case, Checked};
use userlib::abi::inspect::Activity;
use userlib::abi::msg::fault;
use userlib::SysError::*;
use userlib::{slots, sys, AddressSpace, CapSlot, Rights, Task};

const SPACE: AddressSpace = AddressSpace(slots::SELF_SPACE);
const HELPER: CapSlot = CapSlot(30);
const FAULTS: CapSlot = CapSlot(32);

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
        205,
        "set the registers of a running task, start it twice",
        running_task,
    ),
    survival(
        208,
        "start a task whose registers were never set",
        never_set,
    ),
    survival(
        212,
        "a task that exited cannot be stopped, started or set",
        exited,
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
            wait_until(&helper, &[Activity::Sending], "the helper's fault to wait")?;
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
        wait_until(&helper, &[Activity::Receiving], "the helper to receive")?;
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
        // Its exit notice queued for init, or taken.
        let sent = [Activity::Sending, Activity::Exited];
        wait_until(&helper, &sent, "the helper's exit notice")?;
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
