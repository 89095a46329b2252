//! Console output, yield, identity, exit, and the system capability's operations.
use super::{ensure, Args, Done, SysResult};
use crate::mem::{phys, user};
use crate::obj::task::SendKind;
use crate::sched::Kernel;
use abi::frames;
use abi::msg::fault;
use abi::qemu::ExitCode;
use abi::{CapKind, MsgTag, Rights, SysError};

/// Longest `DebugWrite`.
const DEBUG_WRITE_MAX: usize = 4096;

pub fn debug_write(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (ptr, len) = (a[0], a[1] as usize);
    let valid = len <= DEBUG_WRITE_MAX && a[2] & !frames::SERIAL_ONLY == 0;
    ensure(valid, SysError::InvalidArgument)?;
    let mut buf = [0u8; DEBUG_WRITE_MAX];
    user::read(k.task(t).root, ptr, &mut buf[..len])?;
    let text = core::str::from_utf8(&buf[..len]).unwrap_or("<invalid UTF-8>");
    if a[2] == frames::SERIAL_ONLY {
        k.lookup(t, a[3], CapKind::System, Rights::READ)?;
        crate::console::print_serial(text);
    } else {
        crate::console::print_user(t, k.task(t).name(), text);
    }
    Ok(Done::Return)
}

/// `Yield`: to the back of this CPU's queue. With nothing else queued here the caller would be
/// picked again at once (this CPU's queue comes before stealing), so it just carries on.
pub fn yield_now(k: &mut Kernel) -> SysResult {
    if !k.cpus[k.this].ready.is_empty() {
        k.preempt();
    }
    Ok(Done::Return)
}

/// Ends the caller. With a fault endpoint the supervisor gets an `EXIT` message and destroys the
/// task; without one the kernel reports and destroys it.
pub fn exit(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let status = a[0];
    let (tag, words) = (MsgTag::new(fault::EXIT, 2, 0), [t as u64, status, 0, 0]);
    if !k.report(t, SendKind::Exit, tag, words) {
        let name = k.task(t).name();
        crate::kprintln!("kernel: task {t} ({name}) exited with status {status}");
        k.destroy(CapKind::Task, t);
    }
    Ok(Done::Blocked)
}

pub fn shutdown(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::System, Rights::CONTROL)?;
    let code = match ExitCode::from_raw(a[1] as u32) {
        Some(c @ (ExitCode::Success | ExitCode::Failure)) if a[1] <= u32::MAX as u64 => c,
        _ => return Err(SysError::InvalidArgument),
    };
    crate::kprintln!("kernel: shutdown requested by task {t}: {code:?}");
    crate::arch::exit::qemu_exit(code)
}

pub fn census(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::System, Rights::CONTROL)?;
    let (c, _) = k.frames.census();
    let consistent = k.audit_frames() && k.audit_objects();
    let objects = k.tasks.live() | k.spaces.live() << 16 | k.endpoints.live() << 32;
    let objects = objects | k.notifications.live() << 48;
    let (free, kernel, tables, user) = (c.free, c.kernel, c.page_table, c.user);
    k.results(t, [free, kernel, tables, user, consistent as u64, objects])
}

/// `FrameStates`: the states of frames from a1 on, a byte each, in the caller's IPC buffer words.
pub fn frame_states(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::System, Rights::READ)?;
    let buffer = k.ipc_buffer(t).ok_or(SysError::NoIpcBuffer)?;
    let mut states = [0u8; frames::PER_CALL];
    let (count, total) = k.frames.describe(a[1], &mut states);
    phys::write(buffer, 0, &states);
    k.results(t, [count, total])
}
