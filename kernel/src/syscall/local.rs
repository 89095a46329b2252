//! The syscall that touches only the caller's own task: `TaskSelf`, the null syscall. It can
//! neither block nor wake anyone, so the entry code runs it without the scheduler and returns
//! straight to the caller.
use crate::arch::trap::SavedRegs;

/// Runs `TaskSelf` for the task with registers `regs` and id `id`: its index ("pid") in `rdi`, its
/// full id in `rsi`.
#[inline(always)]
pub fn task_self(regs: &mut SavedRegs, id: u64) {
    regs.rdi = abi::task::split_task_id(id).0 as u64;
    regs.rsi = id;
    regs.rax = 0;
}
