//! Answers the kernel must never give, whatever the state: an error code it does not define, an
//! answer other than `UnknownSyscall` to a number no syscall has (or that one to a real syscall),
//! success for arguments the syscall must refuse, and for a slot past the table in the one
//! argument a call looks at first, any error but `InvalidSlot`.
use crate::gen::RawCall;
use crate::stats::{INVALID, STATS, UNKNOWN_CODE};
use userlib::abi::cap::CAP_SLOTS;
use userlib::abi::device::{
    kernel_keeps, port_range, valid_width, FRAMEBUFFER, IRQ_LINES, KERNEL_IRQ_LINES,
};
use userlib::abi::space::{ShareMode, UnmapFlags};
use userlib::arch::SysOut;
use userlib::layout::{is_user_page, PAGE_SIZE, USER_TOP};
use userlib::{MsgTag, PageRights, Rights, SysError, Sysnum};

/// Reports any anomaly in `call`'s answer `out` (whose result bucket is `code`).
pub fn check(call: &RawCall, out: &SysOut, code: usize) {
    let unknown = SysError::UnknownSyscall.raw();
    let complaint = if code == UNKNOWN_CODE {
        Some("no error code")
    } else if (call.bucket == INVALID) != (out.rax == unknown) {
        Some("the wrong answer to the syscall number")
    } else if out.rax == 0 {
        refused(call)
    } else if first_slot_only(call) && call.a[0] >= CAP_SLOTS as u64 {
        (out.rax != SysError::InvalidSlot.raw()).then_some("a slot past the table, not InvalidSlot")
    } else {
        None
    };
    if let Some(what) = complaint {
        STATS.anomaly(format_args!("{what}: {call:x?} returned {:#x}", out.rax));
    }
}

/// Calls whose first check is the capability in `a0`.
fn first_slot_only(call: &RawCall) -> bool {
    use Sysnum::*;
    matches!(
        Sysnum::from_raw(call.num),
        Some(
            CapDelete
                | CapInfo
                | FrameAlloc
                | AsDestroy
                | TaskReadRegs
                | TaskStart
                | TaskStop
                | TaskDestroy
                | EndpointDestroy
                | FrameCensus
                | Signal
                | Wait
                | Poll
                | NotificationBind
                | NotificationDestroy
                | IrqAck
        )
    )
}

/// An `AsShare` range the kernel must refuse: unaligned, empty, or past the mappable pages
/// (`AsPages` takes an empty one).
fn bad_range(start: u64, end: u64) -> bool {
    !start.is_multiple_of(PAGE_SIZE)
        || !end.is_multiple_of(PAGE_SIZE)
        || start >= end
        || end > USER_TOP
}

/// Why `call` must have failed, if its arguments alone say so.
fn refused(call: &RawCall) -> Option<&'static str> {
    let a = &call.a;
    let slot = |s: u64| s >= CAP_SLOTS as u64;
    let rights = |m: u64| Rights::from_bits(m).is_none();
    let page = |p: u64| !is_user_page(p);
    let page_rights = |m: u64| PageRights::from_bits(m).is_none();
    let tag = |t: u64| !MsgTag(t).is_valid();
    use Sysnum::*;
    let num = Sysnum::from_raw(call.num)?;
    let uses_slot_a0 = !matches!(num, DebugWrite | Yield | TaskSelf | Exit | Reply);
    let why = match num {
        _ if uses_slot_a0 && slot(a[0]) => "a slot past the table",
        Exit => "Exit returned",
        Shutdown | FrameCensus => "no system capability",
        DebugWrite if a[1] > PAGE_SIZE => "DebugWrite of more than a page",
        Send | Call | CallTimeout | Reply | ReplyRecv if tag(a[1]) => "an invalid message tag",
        CapCopy | CapMint if slot(a[1]) || rights(a[2]) => "a bad destination or rights mask",
        CapMint if a[3] == 0 => "badge 0",
        AsCreate | TaskCreate | EndpointCreate | NotificationCreate if slot(a[1]) => {
            "a destination past the table"
        }
        AsMap if slot(a[1]) || page(a[3]) || page_rights(a[4]) => "a bad pool, page or rights",
        AsQuery if page(a[1]) => "a page that cannot be mapped",
        AsUnmap if page(a[1]) || UnmapFlags::from_bits(a[2]).is_none() => "a bad page or flags",
        AsAlloc | AsCopy if slot(a[1]) || page(a[2]) || page_rights(a[3]) => {
            "a bad pool, page or rights"
        }
        AsShare if slot(a[1]) || a[0] == a[1] || bad_range(a[2], a[3]) => {
            "a bad destination or range"
        }
        AsShare if ShareMode::from_word(a[4]).is_none() => "an unknown share mode bit",
        AsProtect if page(a[1]) || page_rights(a[2]) => "a bad page or rights",
        AsPages if a[1] != a[2] && bad_range(a[1], a[2]) => "a bad range",
        AsPages if !a[1].is_multiple_of(PAGE_SIZE) || a[1] > USER_TOP => "a bad empty range",
        TaskSetFault if slot(a[1]) => "a fault endpoint past the table",
        TaskGiveCap if slot(a[1]) || slot(a[2]) || rights(a[3]) => "a bad slot or rights mask",
        IrqHandlerCreate if a[1] >= IRQ_LINES || KERNEL_IRQ_LINES & 1 << a[1] != 0 => {
            "a line past the PICs or the kernel's"
        }
        IoPortCreate if port_range(a[1], a[2]).is_none_or(|(f, l)| kernel_keeps(f, l)) => {
            "a bad port range or the kernel's ports"
        }
        IoIn | IoOut if !valid_width(a[2]) => "a bad port width",
        DeviceFramesCreate if a[1] != FRAMEBUFFER => "an unknown device",
        AsMapDevice if page(a[2]) || page_rights(a[4]) => "a bad page or rights",
        IoOut if a[3] >> (8 * a[2]) != 0 => "a value wider than the port",
        TaskSetAffinity if a[1] > 0xFF => "a CPU mask over eight bits",
        _ => return None,
    };
    Some(why)
}
