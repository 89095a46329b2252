//! Requests from processes (`abi::memsrv::Request`), decoded and checked for who may ask before
//! anything acts on them (`requests.rs` in the program acts).
use userlib::abi::memsrv::{
    unpack_name, ForkMode, MemError, Request, INIT_PID, NAME_MAX, OBSERVER, WAIT_NOHANG,
};
use userlib::ipc::Received;

/// Who handles a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The kernel's notice about a process (a fault, an exception, an exit).
    Notice,
    /// A request sent rather than called: it can be given no answer, so acting on it (a `Wait`
    /// reaping a child, say) would lose the answer. Look-alikes of notices end here too.
    Ignore,
    /// The memory viewer's, through its own endpoint.
    Observer,
    Request,
}

/// Where a message goes: only the kernel's mark makes a notice, only a call is served.
#[inline]
pub fn route(msg: &Received) -> Route {
    if msg.from_kernel() {
        Route::Notice
    } else if !msg.awaits_reply() {
        Route::Ignore
    } else if msg.badge == OBSERVER {
        Route::Observer
    } else {
        Route::Request
    }
}

/// A request with its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    PageAlloc {
        addr: u64,
    },
    Sbrk {
        increment: i64,
    },
    Fork(ForkMode),
    Wait {
        filter: u64,
        nohang: bool,
    },
    GetPid,
    Spawn {
        name: [u8; NAME_MAX],
        len: usize,
        arg: u64,
    },
    Kill {
        pid: u64,
    },
    Check,
    FrameOf {
        addr: u64,
    },
    NameService,
}

/// Why a message is not served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// A request this caller may not make, or with arguments out of range.
    Refuse(MemError),
    /// Not a request at all (an unknown label, a look-alike of a kernel notice): said so on the
    /// console, and refused with `BadRequest`.
    NotARequest,
}

/// Decodes the request labelled `label` with `words` from process `pid` (through its own badged
/// endpoint, not the observer's).
#[inline]
pub fn decode(pid: u64, label: u32, w: [u64; 4]) -> Result<Ask, Refused> {
    let refuse = |e| Err(Refused::Refuse(e));
    match Request::from_raw(label) {
        Some(Request::PageAlloc) => Ok(Ask::PageAlloc { addr: w[0] }),
        Some(Request::Sbrk) => Ok(Ask::Sbrk {
            increment: w[0] as i64,
        }),
        Some(Request::Fork) => match ForkMode::from_raw(w[0]) {
            Some(mode) => Ok(Ask::Fork(mode)),
            None => refuse(MemError::BadRequest),
        },
        Some(Request::Wait) if w[1] & !WAIT_NOHANG == 0 => Ok(Ask::Wait {
            filter: w[0],
            nohang: w[1] & WAIT_NOHANG != 0,
        }),
        Some(Request::GetPid) => Ok(Ask::GetPid),
        Some(Request::Spawn) => {
            let (name, len) = unpack_name([w[0], w[1]]);
            Ok(Ask::Spawn {
                name,
                len,
                arg: w[2],
            })
        }
        Some(Request::Kill) => Ok(Ask::Kill { pid: w[0] }),
        // Only init: a check walks every process's pages, so any process asking for it again
        // and again would hold the server up for everyone.
        Some(Request::Check) if pid == INIT_PID => Ok(Ask::Check),
        Some(Request::Check) => refuse(MemError::BadRequest),
        Some(Request::FrameOf) => Ok(Ask::FrameOf { addr: w[0] }),
        Some(Request::NameService) => Ok(Ask::NameService),
        // Only through the observer's endpoint (they reveal every process's frames).
        Some(Request::Processes | Request::Pages | Request::Caps) => refuse(MemError::BadRequest),
        // (A `Wait` with unknown flags.)
        Some(Request::Wait) | None => Err(Refused::NotARequest),
    }
}
