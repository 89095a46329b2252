//! The syscall that touches only the caller's own task: `TaskSelf`, the null syscall. It can
//! neither block nor wake anyone, so the entry code runs it without the scheduler and returns
//! straight to the caller.
use crate::obj::task::Task;

/// Runs `TaskSelf` for `task`: its index ("pid") in `rdi`, its full id in `rsi`.
#[inline(always)]
pub fn task_self(task: &mut Task) {
    task.regs.rdi = abi::task::split_task_id(task.id).0 as u64;
    task.regs.rsi = task.id;
    task.regs.rax = 0;
}
