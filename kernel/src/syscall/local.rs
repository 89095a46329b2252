//! Syscalls that touch only the caller's own task (its registers and capability table). They can
//! neither block nor wake anyone, so the entry code runs them without the scheduler and returns
//! straight to the caller; the general dispatcher runs them the same way.
use super::{caps, Args};
use crate::obj::task::Task;
use abi::{SysError, Sysnum};

/// Is `num` one of these syscalls?
#[inline(always)]
pub fn is_local(num: Sysnum) -> bool {
    matches!(
        num,
        Sysnum::TaskSelf | Sysnum::CapCopy | Sysnum::CapMint | Sysnum::CapDelete
    )
}

/// Runs a local syscall (`is_local(num)`) for `task`; the caller writes the result to `rax`.
#[inline(always)]
pub fn run(task: &mut Task, num: Sysnum, a: &Args) -> Result<(), SysError> {
    match num {
        Sysnum::TaskSelf => {
            task.regs.rdi = task.id & 0xffff;
            task.regs.rsi = task.id;
            Ok(())
        }
        Sysnum::CapCopy => caps::copy(&mut task.caps, a),
        Sysnum::CapMint => caps::mint(&mut task.caps, a),
        Sysnum::CapDelete => caps::delete(&mut task.caps, a),
        _ => Err(SysError::UnknownSyscall),
    }
}
