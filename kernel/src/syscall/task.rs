//! Creating, controlling and destroying tasks.
use super::{ensure, Args, Done, SysResult};
use crate::arch::trap::SYSCALL_MARK;
use crate::mem::phys;
use crate::obj::cap::Cap;
use crate::obj::task::{SendKind, State, NAME_LEN};
use crate::sched::Kernel;
use abi::cap::CAP_SLOTS;
use abi::inspect::{self, CapEntry};
use abi::layout::{USER_END, USER_TOP};
use abi::regs::UserRegs;
use abi::{task_id, CapKind, Rights, SysError};

/// RFLAGS bits a task may be given (CF PF AF ZF SF DF OF); IF is forced on, everything else off.
const USER_FLAGS: u64 = 0b1100_1101_0101;
const IF: u64 = 1 << 9;

fn task_index(k: &mut Kernel, t: u16, slot: u64, rights: Rights) -> Result<u16, SysError> {
    Ok(k.lookup(t, slot, CapKind::Task, rights)?.index)
}

pub fn create(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::AddressSpace, Rights::MAP)?;
    k.task(t).caps.check_empty(a[1])?;
    ensure(k.tasks.has_room(), SysError::OutOfMemory)?;
    let (index, gen) = k.new_task(cap.index, crate::arch::entry::initial_user_regs())?;
    let task_cap = Cap::new(CapKind::Task, index, gen, Rights::READ | Rights::CONTROL);
    // Cannot fail: the slot was checked empty and nothing ran since.
    let _ = k.insert_cap(t, a[1], task_cap);
    k.results(t, [task_id(index, gen)])
}

pub fn read_regs(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::READ)?;
    let buffer = k.ipc_buffer(t).ok_or(SysError::NoIpcBuffer)?;
    let mut r = k.task(target).regs;
    // After `syscall`, rcx and r11 hold rip and rflags (the entry code does not store them again).
    if r.vector == SYSCALL_MARK {
        (r.rcx, r.r11) = (r.rip, r.rflags);
    }
    let words = [
        r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13,
        r.r14, r.r15, r.rip, r.rsp, r.rflags,
    ];
    for (i, w) in words.iter().enumerate() {
        phys::write_u64(buffer, i, *w);
    }
    Ok(Done::Return)
}

/// `TaskCaps`: slots a1.. of a task's table (`abi::inspect`, two words each) into the caller's IPC
/// buffer, what the task waits on, and its CPU.
pub fn caps(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::READ)?;
    let buffer = k.ipc_buffer(t).ok_or(SysError::NoIpcBuffer)?;
    let task = k.task(target);
    let first = a[1].min(CAP_SLOTS as u64);
    let count = (CAP_SLOTS as u64 - first).min(inspect::SLOTS_PER_CALL as u64);
    for i in 0..count as usize {
        let cap = task.caps.get(first + i as u64).unwrap_or(Cap::EMPTY);
        let word = CapEntry::pack(cap.kind, cap.rights, cap.index, cap.gen);
        phys::write_u64(buffer, 2 * i, word);
        phys::write_u64(buffer, 2 * i + 1, cap.badge);
    }
    let (activity, on) = task.state.activity();
    let cpu = k.cpu_of(target);
    k.results(t, [count, activity.raw(), on as u64, cpu as u64])
}

pub fn write_regs(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let stopped = k.task(target).state == State::Stopped;
    ensure(stopped, SysError::BadTaskState)?;
    let buffer = k.ipc_buffer(t).ok_or(SysError::NoIpcBuffer)?;
    let u = UserRegs::from_words(&core::array::from_fn(|i| phys::read_u64(buffer, i)));
    // Both must be canonical user addresses: a non-canonical one would fault `iretq` in kernel
    // mode. Code can never run from the unmappable top page, so rip stays below `USER_TOP`.
    let user = u.rip < USER_TOP && u.rsp < USER_END;
    ensure(user, SysError::InvalidArgument)?;
    let r = &mut k.task(target).regs;
    (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp) =
        (u.rax, u.rbx, u.rcx, u.rdx, u.rsi, u.rdi, u.rbp);
    (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15) =
        (u.r8, u.r9, u.r10, u.r11, u.r12, u.r13, u.r14, u.r15);
    (r.rip, r.rsp) = (u.rip, u.rsp);
    r.rflags = (u.rflags & USER_FLAGS) | IF;
    // Resume through `iretq`, which restores every register (sysret would clobber rcx and r11).
    r.vector = 0;
    Ok(Done::Return)
}

pub fn start(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let stopped = k.task(target).state == State::Stopped;
    ensure(stopped, SysError::BadTaskState)?;
    k.make_ready(target, false);
    Ok(Done::Return)
}

pub fn stop(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let task = k.task(target);
    let exiting =
        matches!(task.state, State::Sending { .. }) && task.pending.kind == SendKind::Exit;
    let stoppable = task.state != State::Exited && !exiting;
    ensure(stoppable, SysError::BadTaskState)?;
    // A task that stops itself is running, not in an IPC syscall: `stop` leaves its `rax` alone, so
    // once restarted it sees its `TaskStop` succeed.
    k.stop(target);
    Ok(Done::Return)
}

/// Destroys another task. A task cannot destroy itself: it exits, so that its supervisor hears.
pub fn destroy(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    ensure(target != t, SysError::BadTaskState)?;
    k.destroy(CapKind::Task, target);
    Ok(Done::Return)
}

pub fn set_fault(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let endpoint = k.lookup(t, a[1], CapKind::Endpoint, Rights::SEND)?;
    k.set_fault_endpoint(target, Some(endpoint.diminished(Rights::SEND)));
    Ok(Done::Return)
}

pub fn give_cap(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let mask = super::caps::rights(a[3])?;
    let cap = k.task(t).caps.get(a[1])?;
    k.insert_cap(target, a[2], cap.diminished(mask))?;
    Ok(Done::Return)
}

/// `TaskSetAffinity(task, cpus)`: the CPUs (a bit each) the task may run on from now on; 0 leaves
/// them. Returns the CPUs that run and the task's CPUs. If it runs or waits on a CPU it may no
/// longer use, it moves.
pub fn set_affinity(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let cpus = u8::try_from(a[1]).map_err(|_| SysError::InvalidArgument)?;
    ensure(a[1] == 0 || cpus & k.online != 0, SysError::InvalidArgument)?;
    if cpus != 0 && cpus != k.task(target).affinity {
        k.task(target).affinity = cpus;
        let on = k.cpu_of(target);
        if k.task(target).state == State::Ready && cpus & 1 << on == 0 {
            // Off its CPU and its queue, then queued where it may run.
            k.detach(target);
            k.make_ready(target, false);
        }
    }
    let affinity = k.task(target).affinity;
    k.results(t, [k.online.into(), affinity.into()])
}

/// Names a task (16 bytes of UTF-8 in two registers, NUL-padded): diagnostics and debuggers show it.
pub fn set_name(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let target = task_index(k, t, a[0], Rights::CONTROL)?;
    let name: [u8; NAME_LEN] = (u128::from(a[2]) << 64 | u128::from(a[1])).to_le_bytes();
    let len = name.iter().position(|&b| b == 0).unwrap_or(NAME_LEN);
    let padded = name[len..].iter().all(|&b| b == 0);
    let valid = core::str::from_utf8(&name[..len]).is_ok() && padded;
    ensure(valid, SysError::InvalidArgument)?;
    k.task(target).name = name;
    Ok(Done::Return)
}
