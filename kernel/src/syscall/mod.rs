//! The syscall dispatcher: safe Rust, reached from the entry handlers (`crate::entry`).
//!
//! Each syscall decodes first — every lookup and check, any of which may fail with a `SysError` —
//! and only then invokes, which cannot fail. A failed syscall changes nothing but `rax`.
mod caps;
mod device;
mod ipc;
pub mod local;
mod memory;
mod misc;
mod notify;
mod task;

use crate::obj::cap::Cap;
use crate::sched::Kernel;
use abi::{ensure, CapKind, Rights, SysError, Sysnum};

/// What a syscall did to its caller.
pub enum Done {
    /// Returns now with `rax = 0` (results already in the other registers).
    Return,
    /// The caller blocked, ended or was woken some other way: its registers are set when it resumes.
    Blocked,
}

pub type SysResult = Result<Done, SysError>;

/// Arguments in `rdi, rsi, rdx, r10, r8, r9`.
pub type Args = [u64; 6];

/// Runs the syscall the current task made.
pub fn dispatch(k: &mut Kernel, t: u16) {
    let r = &k.task(t).regs;
    let args = [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9];
    let num = Sysnum::from_raw(r.rax).ok_or(SysError::UnknownSyscall);
    let result = num.and_then(|num| run(k, t, num, &args));
    // The caller may be gone: a syscall can release the last capability to it.
    let Some(task) = k.tasks.at_mut(t) else {
        return;
    };
    match result {
        Ok(Done::Return) => task.regs.rax = 0,
        Ok(Done::Blocked) => {}
        Err(e) => task.regs.rax = e.raw(),
    }
}

fn run(k: &mut Kernel, t: u16, num: Sysnum, a: &Args) -> SysResult {
    use Sysnum::*;
    match num {
        DebugWrite => misc::debug_write(k, t, a),
        Yield => misc::yield_now(k),
        Exit => misc::exit(k, t, a),
        Shutdown => misc::shutdown(k, t, a),
        FrameCensus => misc::census(k, t, a),
        FrameStates => misc::frame_states(k, t, a),
        Send | Call | CallTimeout => ipc::send(k, t, a, num),
        Recv => ipc::recv(k, t, a),
        Reply => ipc::reply(k, t, a),
        ReplyRecv => ipc::reply_recv(k, t, a),
        EndpointCreate => caps::create(k, t, a, CapKind::Endpoint),
        EndpointDestroy => caps::destroy(k, t, a, CapKind::Endpoint),
        TaskSelf => {
            {
                let task = k.task(t);
                local::task_self(&mut task.regs, task.id)
            }
            Ok(Done::Return)
        }
        CapCopy => caps::copy(k, t, a),
        CapMint => caps::mint(k, t, a),
        CapDelete => caps::delete(k, t, a),
        CapInfo => caps::info(k, t, a),
        FrameAlloc => memory::frame_alloc(k, t, a),
        FrameFree => memory::frame_free(k, t, a),
        AsCreate => memory::space_create(k, t, a),
        AsMap => memory::map(k, t, a),
        AsUnmap => memory::unmap(k, t, a),
        AsProtect => memory::protect(k, t, a),
        AsQuery => memory::query(k, t, a),
        AsDestroy => memory::space_destroy(k, t, a),
        TaskCreate => task::create(k, t, a),
        TaskReadRegs => task::read_regs(k, t, a),
        TaskWriteRegs => task::write_regs(k, t, a),
        TaskStart => task::start(k, t, a),
        TaskStop => task::stop(k, t, a),
        TaskDestroy => task::destroy(k, t, a),
        TaskSetFault => task::set_fault(k, t, a),
        TaskGiveCap => task::give_cap(k, t, a),
        TaskSetName => task::set_name(k, t, a),
        TaskCaps => task::caps(k, t, a),
        AsAlloc => memory::alloc(k, t, a),
        AsShare => memory::share(k, t, a),
        AsCopy => memory::copy(k, t, a),
        AsPages => memory::pages(k, t, a),
        NotificationCreate => caps::create(k, t, a, CapKind::Notification),
        Signal => notify::signal(k, t, a),
        Wait => notify::wait(k, t, a),
        Poll => notify::poll(k, t, a),
        NotificationBind => notify::bind(k, t, a),
        NotificationDestroy => caps::destroy(k, t, a, CapKind::Notification),
        IrqHandlerCreate => device::irq_create(k, t, a),
        IrqSetNotification => device::irq_set_notification(k, t, a),
        IrqAck => device::irq_ack(k, t, a),
        IoPortCreate => device::io_create(k, t, a),
        IoIn => device::io_in(k, t, a),
        IoOut => device::io_out(k, t, a),
        DeviceFramesCreate => device::frames_create(k, t, a),
        AsMapDevice => memory::map_device(k, t, a),
        TaskSetAffinity => task::set_affinity(k, t, a),
    }
}

/// Capability lookups that also check the object is still the one the capability named.
impl Kernel {
    pub fn lookup(
        &mut self,
        t: u16,
        slot: u64,
        kind: CapKind,
        rights: Rights,
    ) -> Result<Cap, SysError> {
        let cap = self.task(t).caps.lookup(slot, kind, rights)?;
        self.is_live(&cap).then_some(cap).ok_or(SysError::StaleCap)
    }

    /// Returns now with `values` in `rdi, rsi, rdx, r10, r8, r9`, in that order.
    #[inline(always)]
    fn results<const N: usize>(&mut self, t: u16, values: [u64; N]) -> SysResult {
        let r = self.regs(t);
        let outs = [
            &mut r.rdi, &mut r.rsi, &mut r.rdx, &mut r.r10, &mut r.r8, &mut r.r9,
        ];
        for (out, value) in outs.into_iter().zip(values) {
            *out = value;
        }
        Ok(Done::Return)
    }
}
