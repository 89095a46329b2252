//! Requests from processes (`abi::memsrv::Request`), decoded and checked for who may ask before
//! anything acts on them (`requests.rs` in the program acts).
use userlib::abi::memsrv::{
    unpack_name, ForkMode, MemError, Request, ARGS_MAX, INIT_PID, NAME_MAX, OBSERVER, WAIT_NOHANG,
};
use userlib::abi::msg::{MAX_WORDS, REG_WORDS};
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
    /// `SpawnArgs`: the string's length as asked (checked with its words by [`spawn_args`]).
    SpawnArgs {
        name: [u8; NAME_MAX],
        len: usize,
        arg: u64,
        args_len: u64,
    },
    Processes {
        from: u64,
    },
    Census,
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
        Some(Request::SpawnArgs) => {
            let (name, len) = unpack_name([w[0], w[1]]);
            Ok(Ask::SpawnArgs {
                name,
                len,
                arg: w[2],
                args_len: w[3],
            })
        }
        Some(Request::Processes) => Ok(Ask::Processes { from: w[0] }),
        Some(Request::Census) => Ok(Ask::Census),
        Some(Request::Kill) => Ok(Ask::Kill { pid: w[0] }),
        // Only init: a check walks every process's pages, so any process asking for it again
        // and again would hold the server up for everyone.
        Some(Request::Check) if pid == INIT_PID => Ok(Ask::Check),
        Some(Request::Check) => refuse(MemError::BadRequest),
        Some(Request::FrameOf) => Ok(Ask::FrameOf { addr: w[0] }),
        Some(Request::NameService) => Ok(Ask::NameService),
        // Only through the observer's endpoint (they reveal every process's frames).
        Some(Request::Pages | Request::Caps) => refuse(MemError::BadRequest),
        // (A `Wait` with unknown flags.)
        Some(Request::Wait) | None => Err(Refused::NotARequest),
    }
}

/// A `SpawnArgs` argument string, checked: `args_len` bytes (at most `ARGS_MAX`) in the message's
/// words after the registers (`extra`: words 4.. of a message of `words` words), which must be
/// exactly as many as the bytes need, zero-padded, and UTF-8. Returns the bytes and their count.
pub fn spawn_args(
    words: usize,
    args_len: u64,
    extra: &[u64],
) -> Result<([u8; ARGS_MAX], usize), MemError> {
    let len = usize::try_from(args_len)
        .ok()
        .filter(|&n| n <= ARGS_MAX)
        .ok_or(MemError::BadRequest)?;
    let needed = len.div_ceil(8);
    if words != REG_WORDS + needed || extra.len() < needed || words > MAX_WORDS {
        return Err(MemError::BadRequest);
    }
    let mut padded = [0u8; ARGS_MAX.next_multiple_of(8)];
    for (chunk, word) in padded
        .as_chunks_mut::<8>()
        .0
        .iter_mut()
        .zip(&extra[..needed])
    {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    // Padding that is not zero would be bytes the length hides: refused, not ignored.
    let (text, padding) = padded[..needed * 8].split_at(len);
    if padding.iter().any(|&b| b != 0) || core::str::from_utf8(text).is_err() {
        return Err(MemError::BadRequest);
    }
    let mut bytes = [0u8; ARGS_MAX];
    bytes[..len].copy_from_slice(text);
    Ok((bytes, len))
}
