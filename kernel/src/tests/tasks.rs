//! Task control: stopping, starting, registers, names, and what a task may do to itself.
use super::*;
use abi::layout::{USER_END, USER_TOP};
use abi::regs::UserRegs;
use abi::MsgTag;

/// A controller `c` holding task `t` in slot `FREE`.
fn controlled(sim: &mut Sim) -> (u16, u16) {
    let (c, t) = (sim.task(), sim.task());
    sim.share(t, SELF, c, FREE, Rights::all());
    (c, t)
}

fn write_regs(sim: &mut Sim, c: u16, regs: &UserRegs) -> Result<(), SysError> {
    for (i, w) in regs.to_words().iter().enumerate() {
        sim.ipc_write(c, i, *w);
    }
    sim.syscall(c, Sysnum::TaskWriteRegs, [FREE, 0, 0, 0, 0, 0])
        .result()
}

#[test]
fn a_task_that_stops_itself_sees_success_when_restarted() {
    // Regression: it found the TaskStop number in rax.
    let mut sim = Sim::new();
    let (c, t) = controlled(&mut sim);
    sim.syscall(t, Sysnum::TaskStop, [SELF, 0, 0, 0, 0, 0]);
    assert_eq!(sim.state(t), State::Stopped);
    sim.ok(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!((sim.state(t), sim.regs(t).rax), (State::Ready, 0));
}

#[test]
fn stopping_a_faulted_task_leaves_its_registers_alone() {
    // Regression: TaskStop wrote `Interrupted` into rax, a live user register of a faulted task.
    for handler_waiting in [false, true] {
        let mut sim = Sim::new();
        let (c, t) = controlled(&mut sim);
        sim.endpoint(c, FREE + 1);
        sim.ok(c, Sysnum::TaskSetFault, [FREE, FREE + 1, 0, 0, 0, 0]);
        if handler_waiting {
            sim.syscall(c, Sysnum::Recv, [FREE + 1, 0, 0, 0, 0, 0]);
        }
        sim.k.task(t).regs.rax = 0x1234;
        sim.k.task(t).regs.vector = 13;
        sim.k.current = Some(t);
        sim.k.user_exception(t, 0);
        let expected = if handler_waiting {
            State::AwaitingReply {
                server: c,
                fault: true,
            }
        } else {
            State::Sending {
                endpoint: sim.k.task(c).caps.get(FREE + 1).unwrap().index,
                deadline: 0,
            }
        };
        assert_eq!(sim.state(t), expected);
        let stopper = sim.task();
        sim.share(c, FREE, stopper, FREE, Rights::all());
        sim.ok(stopper, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
        assert_eq!((sim.state(t), sim.regs(t).rax), (State::Stopped, 0x1234));
    }
}

#[test]
fn stopping_a_task_blocked_in_ipc_interrupts_it() {
    let mut sim = Sim::new();
    let (c, t) = controlled(&mut sim);
    sim.endpoint(t, FREE);
    sim.syscall(t, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(c, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(sim.regs(t).rax, SysError::Interrupted.raw());
    assert!(sim.audit());
}

#[test]
fn an_exiting_task_cannot_be_stopped() {
    let mut sim = Sim::new();
    let (c, t) = controlled(&mut sim);
    sim.endpoint(c, FREE + 1);
    sim.ok(c, Sysnum::TaskSetFault, [FREE, FREE + 1, 0, 0, 0, 0]);
    sim.syscall(t, Sysnum::Exit, [0; 6]);
    sim.fails(
        c,
        Sysnum::TaskStop,
        [FREE, 0, 0, 0, 0, 0],
        SysError::BadTaskState,
    );
    sim.syscall(c, Sysnum::Recv, [FREE + 1, 0, 0, 0, 0, 0]);
    assert_eq!(MsgTag(sim.regs(c).rsi).label(), abi::msg::fault::EXIT);
    assert_eq!(sim.state(t), State::Exited);
    sim.fails(
        c,
        Sysnum::TaskStop,
        [FREE, 0, 0, 0, 0, 0],
        SysError::BadTaskState,
    );
}

#[test]
fn a_task_cannot_destroy_itself() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.fails(
        t,
        Sysnum::TaskDestroy,
        [SELF, 0, 0, 0, 0, 0],
        SysError::BadTaskState,
    );
}

#[test]
fn written_registers_are_sanitised() {
    let mut sim = Sim::new();
    let (c, t) = controlled(&mut sim);
    sim.syscall(t, Sysnum::TaskStop, [SELF, 0, 0, 0, 0, 0]);
    let good = UserRegs {
        rip: 0x40_1000,
        rsp: 0x7000,
        // IOPL 3, NT, RF, VM, AC, ID and the reserved bit 1 must not stick.
        rflags: 0x3000 | 0x4000 | 1 << 16 | 1 << 17 | 1 << 18 | 1 << 21 | 0b1100_1101_0101,
        r12: 5,
        ..UserRegs::default()
    };
    write_regs(&mut sim, c, &good).unwrap();
    let r = sim.regs(t);
    assert_eq!(
        r.rflags,
        0b1100_1101_0101 | 0x200,
        "only arithmetic flags, TF and DF, plus IF"
    );
    assert_eq!((r.rip, r.rsp, r.r12, r.vector), (0x40_1000, 0x7000, 5, 0));
    for (rip, rsp) in [
        (USER_TOP, 0x7000),
        (USER_END, 0x7000),
        (0xffff_8000_0000_0000, 0x7000),
        (0xffff_ffff_8000_0000, 0x7000),
        (0x40_1000, USER_END),
        (0x40_1000, 0xffff_ffff_ffff_f000),
        (u64::MAX, u64::MAX),
    ] {
        let bad = UserRegs { rip, rsp, ..good };
        assert_eq!(
            write_regs(&mut sim, c, &bad),
            Err(SysError::InvalidArgument),
            "{rip:#x} {rsp:#x}"
        );
    }
    assert_eq!(
        sim.regs(t).rip,
        0x40_1000,
        "a refused write changes nothing"
    );
    sim.ok(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(
        write_regs(&mut sim, c, &good),
        Err(SysError::BadTaskState),
        "only stopped tasks"
    );
}

#[test]
fn read_registers_show_the_user_view() {
    let mut sim = Sim::new();
    let (c, t) = controlled(&mut sim);
    sim.ok(t, Sysnum::Yield, [0; 6]);
    sim.ok(c, Sysnum::TaskReadRegs, [FREE, 0, 0, 0, 0, 0]);
    let mut w = [0u64; UserRegs::WORDS];
    for (i, x) in w.iter_mut().enumerate() {
        *x = sim.ipc_read(c, i);
    }
    let u = UserRegs::from_words(&w);
    let r = sim.regs(t);
    assert_eq!(
        (u.rip, u.rcx, u.rflags, u.r11),
        (r.rip, r.rip, r.rflags, r.rflags)
    );
    sim.fails(
        c,
        Sysnum::TaskReadRegs,
        [SPACE, 0, 0, 0, 0, 0],
        SysError::WrongKind,
    );
}

#[test]
fn names_are_utf8_and_nul_padded() {
    let mut sim = Sim::new();
    let (c, t) = controlled(&mut sim);
    let name = u64::from_le_bytes(*b"counter\0");
    sim.ok(c, Sysnum::TaskSetName, [FREE, name, 0, 0, 0, 0]);
    assert_eq!(sim.k.task(t).name(), "counter");
    let bad_utf8 = u64::from_le_bytes([0xff, b'a', 0, 0, 0, 0, 0, 0]);
    let after_nul = u64::from_le_bytes([b'a', 0, b'b', 0, 0, 0, 0, 0]);
    for bad in [bad_utf8, after_nul] {
        sim.fails(
            c,
            Sysnum::TaskSetName,
            [FREE, bad, 0, 0, 0, 0],
            SysError::InvalidArgument,
        );
    }
    assert_eq!(sim.k.task(t).name(), "counter");
    sim.fails(
        t,
        Sysnum::TaskSetName,
        [FREE, name, 0, 0, 0, 0],
        SysError::EmptySlot,
    );
}

#[test]
fn the_null_syscall_names_the_caller() {
    let mut sim = Sim::new();
    let _ = sim.task();
    let t = sim.task();
    let r = sim.ok(t, Sysnum::TaskSelf, [0; 6]);
    assert_eq!((r.rdi, r.rsi), (t as u64, sim.id(t)));
}

#[test]
fn the_deadlock_report_names_every_task_and_what_it_waits_for() {
    let mut sim = Sim::new();
    let (s, c) = (sim.task(), sim.task());
    sim.endpoint(s, FREE);
    sim.share(s, FREE, c, FREE, Rights::SEND);
    let name = u64::from_le_bytes(*b"server\0\0");
    sim.ok(s, Sysnum::TaskSetName, [SELF, name, 0, 0, 0, 0]);
    let report = |sim: &Sim| {
        let mut lines = vec![];
        sim.k.report_tasks(|line| lines.push(line.to_string()));
        lines
    };
    sim.syscall(c, Sysnum::Call, [FREE, 0, 0, 0, 0, 0]);
    let lines = report(&sim);
    assert_eq!(lines[0], "  task 0 (server): ready");
    assert_eq!(
        lines[1],
        "  task 1 (?): sending on endpoint 0, nobody receiving; it could be task 0 (server), ready"
    );
    sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    let lines = report(&sim);
    assert_eq!(
        lines[0],
        "  task 0 (server): receiving on endpoint 0, nobody sending"
    );
    assert_eq!(
        lines[1],
        "  task 1 (?): awaiting the reply to its call from task 0 (server), which is receiving"
    );
}

#[test]
fn a_task_killed_for_a_fault_is_reported_with_what_it_did() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    crate::console::printed();
    let r = &mut sim.k.task(a).regs;
    (r.vector, r.error_code, r.rip) = (14, 6, 0x40_1234);
    sim.k.user_exception(a, 0xdead_b000);
    assert_eq!(
        crate::console::printed(),
        "kernel: task 0 (?) killed: page fault writing 0xdeadb000 (not mapped) at rip=0x401234\n"
    );
    let r = &mut sim.k.task(b).regs;
    (r.vector, r.error_code, r.rip) = (13, 0x18, 0x40_5678);
    sim.k.user_exception(b, 0);
    let report = crate::console::printed();
    assert!(
        report.starts_with("kernel: task 1 (?) killed: ")
            && report.ends_with(" (vector 13) error=0x18 at rip=0x405678\n"),
        "{report}"
    );
    assert!(sim.k.tasks.at(a).is_none() && sim.k.tasks.at(b).is_none());
}
