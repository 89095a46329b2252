//! Processes and their memory, WeensyOS style: `page_alloc`, `sbrk`, `fork`, `exit`, `wait`,
//! `getpid`, `yield`. Each is a call to the memory server (`abi::memsrv`) through the program's
//! `slots::SUPERVISOR` endpoint, except `exit` and `yield_now`, which are syscalls.
//!
//! They fail with one type, [`Error`]: the memory server's answer ([`MemError`]: what the request
//! asked was refused) or, rarely, the kernel's ([`SysError`]: the call itself did not go through).
//!
//! | error | comes from | when |
//! |---|---|---|
//! | `Error::Mem(OutOfMemory)`, `BadAddress`, `NoChild`, ... | the memory server | it refused the request (see [`MemError`]) |
//! | `Error::Sys(PeerDied)`, `Sys(StaleCap)` | the kernel | the memory server has ended |
//! | `Error::Sys(Interrupted)` | the kernel | this process was stopped while it waited (a `wait`) |
//!
//! `?` converts either kind into [`Error`] (`From`), and `e == MemError::NoChild` compares one.
use crate::sys;
use abi::memsrv::{self, ExitHow, ForkMode, MemError, Request, WAIT_NOHANG};
use abi::{slots, Message, MsgTag, SysError};

pub use crate::sys::{exit, yield_now};

/// Why a process call failed: the memory server refused it, or the kernel did not carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The memory server's answer: it refused the request.
    Mem(MemError),
    /// The kernel's: the call to the memory server failed (it has ended, or this process was
    /// stopped while waiting).
    Sys(SysError),
}

impl From<MemError> for Error {
    fn from(e: MemError) -> Self {
        Error::Mem(e)
    }
}

impl From<SysError> for Error {
    fn from(e: SysError) -> Self {
        Error::Sys(e)
    }
}

impl PartialEq<MemError> for Error {
    fn eq(&self, other: &MemError) -> bool {
        *self == Error::Mem(*other)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Mem(e) => write!(f, "{e} (the memory server refused)"),
            Error::Sys(e) => write!(f, "{e} (the call to the memory server failed)"),
        }
    }
}

/// What a process call returns: its result, or why it failed.
pub type Result<T> = core::result::Result<T, Error>;

/// One request to the memory server; the reply's words on success.
fn request(req: Request, words: [u64; 4]) -> Result<[u64; 4]> {
    let reply: Message = sys::call(slots::SUPERVISOR, MsgTag::new(req as u32, 4, 0), words)?;
    match reply.tag.label() {
        0 => Ok(reply.words),
        // (An unknown code would be the server's bug; it reads as a bad request.)
        code => Err(MemError::from_raw(code)
            .unwrap_or(MemError::BadRequest)
            .into()),
    }
}

/// Maps a fresh zeroed page at `addr` (page-aligned). Fails with `BadAddress` if `addr` is not a
/// page-aligned user address or is already mapped, `OutOfMemory` if no frame is left for the
/// caller.
pub fn page_alloc(addr: u64) -> Result<()> {
    request(Request::PageAlloc, [addr, 0, 0, 0]).map(drop)
}

/// Moves the program break by `increment` bytes; returns the old break. The heap starts above the
/// program's last segment; its pages appear, zeroed, when first touched.
///
/// Most programs let [`crate::sbrk_heap!`] call it and use `alloc` instead.
///
/// ```ignore
/// use userlib::process::sbrk;
///
/// # fn f() -> userlib::process::Result<()> {
/// let start = sbrk(2 * 4096)?; // two more pages; the old break is where they start
/// assert_eq!(sbrk(0)?, start + 2 * 4096); // 0 reads the break
/// sbrk(-2 * 4096)?; // and gives them back
/// # Ok(())
/// # }
/// ```
pub fn sbrk(increment: i64) -> Result<u64> {
    Ok(request(Request::Sbrk, [increment as u64, 0, 0, 0])?[0])
}

/// Forks with copy-on-write: returns 0 in the child, the child's pid in the parent.
///
/// ```ignore
/// use userlib::println;
/// use userlib::process::{exit, fork, getpid, waitpid};
///
/// # fn main() -> i32 {
/// match fork() {
///     Ok(0) => {
///         println!("child {}", getpid());
///         exit(7);
///     }
///     Ok(child) => match waitpid(child) {
///         Ok(status) => println!("child {child} ended with {}", status.code), // 7
///         Err(e) => println!("wait failed: {e}"),
///     },
///     Err(e) => println!("fork failed: {e}"), // OutOfMemory, TooManyProcesses
/// }
/// # 0
/// # }
/// ```
pub fn fork() -> Result<u64> {
    fork_with(ForkMode::CopyOnWrite)
}

/// Forks with the given treatment of writable pages.
pub fn fork_with(mode: ForkMode) -> Result<u64> {
    Ok(request(Request::Fork, [mode as u64, 0, 0, 0])?[0])
}

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The child's pid.
    pub pid: u64,
    /// Whether it exited or was killed.
    pub how: ExitHow,
    /// The exit status (-1 when killed).
    pub code: i64,
}

fn status(words: [u64; 4]) -> Status {
    Status {
        pid: words[0],
        code: words[1] as i64,
        how: ExitHow::from_raw(words[2]).unwrap_or(ExitHow::Killed),
    }
}

/// Waits for any child to end.
///
/// Fails with `NoChild` if the caller has no children.
///
/// ```ignore
/// use userlib::abi::memsrv::ExitHow;
/// use userlib::println;
/// use userlib::process::{spawn, wait};
///
/// # fn f() -> userlib::process::Result<()> {
/// spawn("hello", 0)?;
/// let status = wait()?;
/// match status.how {
///     ExitHow::Exited => println!("pid {} exited with {}", status.pid, status.code),
///     ExitHow::Killed => println!("pid {} was killed", status.pid),
/// }
/// # Ok(())
/// # }
/// ```
pub fn wait() -> Result<Status> {
    waitpid(0)
}

/// Waits for child `pid` to end (0: any child).
pub fn waitpid(pid: u64) -> Result<Status> {
    request(Request::Wait, [pid, 0, 0, 0]).map(status)
}

/// A child that has ended, if any (`WouldBlock` if children run but none has ended).
pub fn try_wait(pid: u64) -> Result<Status> {
    request(Request::Wait, [pid, WAIT_NOHANG, 0, 0]).map(status)
}

/// The caller's process id (the memory server's numbering, not the kernel's task id).
pub fn getpid() -> u64 {
    request(Request::GetPid, [0; 4]).map_or(0, |w| w[0])
}

/// Asks for this process's capability to the name service, into its empty `slots::NAMES`
/// (`userlib::names` does, on first use).
pub fn name_service() -> Result<()> {
    request(Request::NameService, [0; 4]).map(drop)
}

/// Starts program `name` from the boot archive as a child; returns its pid.
pub fn spawn(name: &str, arg: u64) -> Result<u64> {
    let [a, b] = memsrv::pack_name(name).ok_or(Error::Mem(MemError::NoSuchProgram))?;
    Ok(request(Request::Spawn, [a, b, arg, 0])?[0])
}

/// Starts program `name` as a child with the argument string `args` (at most
/// [`memsrv::ARGS_MAX`] bytes; the child reads it with [`args`]) and the start argument `arg`;
/// returns its pid. A shell passes the words after the name: `allocator 3` is
/// `spawn_with_args("allocator", 3, "3")`.
pub fn spawn_with_args(name: &str, arg: u64, args: &str) -> Result<u64> {
    let [a, b] = memsrv::pack_name(name).ok_or(Error::Mem(MemError::NoSuchProgram))?;
    let bytes = args.as_bytes();
    if bytes.len() > memsrv::ARGS_MAX {
        return Err(MemError::BadRequest.into());
    }
    let mut words = [0u64; abi::msg::REG_WORDS + memsrv::ARGS_MAX / 8];
    words[..4].copy_from_slice(&[a, b, arg, bytes.len() as u64]);
    for (word, chunk) in words[4..].iter_mut().zip(bytes.chunks(8)) {
        let mut padded = [0u8; 8];
        padded[..chunk.len()].copy_from_slice(chunk);
        *word = u64::from_le_bytes(padded);
    }
    let n = abi::msg::REG_WORDS + bytes.len().div_ceil(8);
    let ep = crate::cap::Endpoint(slots::SUPERVISOR);
    let reply = ep.call_long(Request::SpawnArgs as u32, &words[..n], &[])?;
    match reply.tag.label() {
        0 => Ok(reply.words[0]),
        code => Err(MemError::from_raw(code)
            .unwrap_or(MemError::BadRequest)
            .into()),
    }
}

/// The argument string this program was started with ([`spawn_with_args`]; a shell's words after
/// the program's name), or "" if none. The memory server wrote it into this task's IPC-buffer page
/// at `layout::ARGS`, which no message reaches; a fork child has a fresh buffer, so "".
pub fn args() -> &'static str {
    let at = abi::layout::ARGS as *const u64;
    // SAFETY: every task this runtime starts has its IPC buffer's page mapped (the memory
    // server, init and the kernel map it before the task runs), and nothing writes past the
    // message area in it: the word at ARGS and the ARGS_MAX bytes after it stay as the server
    // wrote them (zero otherwise). Read volatile: the compiler knows no writer.
    let len = unsafe { core::ptr::read_volatile(at) } as usize;
    if len > memsrv::ARGS_MAX {
        return "";
    }
    // SAFETY: as above; `len` bytes after the length word lie within the page.
    let bytes = unsafe { core::slice::from_raw_parts(at.add(1) as *const u8, len) };
    core::str::from_utf8(bytes).unwrap_or("")
}

/// One live process, as the memory server lists it ([`processes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Its pid.
    pub pid: u64,
    /// Its program's name (packed; [`ProcessInfo::name`]).
    name: [u8; memsrv::NAME_MAX],
    name_len: usize,
    /// Its parent's pid.
    pub parent: u64,
    /// Running, or an orphan init adopted.
    pub state: memsrv::ProcState,
}

impl ProcessInfo {
    /// Its program's name.
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }
}

/// The live process with the lowest pid from `from` on (`NoChild` if none): iterate with
/// `from = info.pid + 1`.
pub fn process_from(from: u64) -> Result<ProcessInfo> {
    let w = request(Request::Processes, [from, 0, 0, 0])?;
    let (name, name_len) = memsrv::unpack_name([w[1], w[2]]);
    let state = memsrv::ProcState::from_raw(crate::ipc::ipc_word(4));
    Ok(ProcessInfo {
        pid: w[0],
        name,
        name_len,
        parent: w[3],
        state: state.unwrap_or(memsrv::ProcState::Running),
    })
}

/// The first orphan (a process init adopted when its parent ended) with a pid above `after`, if
/// any: pids are never reused, so one above a process's pid started after it.
pub fn next_orphan(after: u64) -> Option<u64> {
    let mut from = after + 1;
    while let Ok(p) = process_from(from) {
        if p.state == memsrv::ProcState::Orphan {
            return Some(p.pid);
        }
        from = p.pid + 1;
    }
    None
}

/// Ends the orphans above pid `after` of the job the caller leads (the first process of a job,
/// the program init started, may: [`kill`]); others' are refused, and skipped.
pub fn kill_orphans(after: u64) {
    let mut from = after;
    while let Some(orphan) = next_orphan(from) {
        let _ = kill(orphan);
        from = orphan;
    }
}

/// The frame census, as the memory server counts it from the kernel's frame states:
/// (free, kernel, page-table, user) frames.
pub fn census() -> Result<[u64; 4]> {
    request(Request::Census, [0; 4])
}

/// Ends child `pid` and its descendants (`pid` 0: every child), or an orphan of the job the
/// caller leads ([`kill_orphans`]).
pub fn kill(pid: u64) -> Result<()> {
    request(Request::Kill, [pid, 0, 0, 0]).map(drop)
}

/// What the memory server's checks found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// Rules broken (each printed).
    pub errors: u64,
    /// Pages of the server's own heap (its process records).
    pub heap_pages: u64,
    /// Page-table frames of the server's own address space.
    pub tables: u64,
}

/// Runs the memory server's consistency checks. Only init may ask (`BadRequest` for anyone else).
pub fn check() -> Result<CheckReport> {
    let w = request(Request::Check, [0; 4])?;
    Ok(CheckReport {
        errors: w[0],
        heap_pages: w[1],
        tables: w[2],
    })
}

/// What is mapped at `addr` in the caller's space: (frame, rights bits, map count).
pub fn frame_of(addr: u64) -> Result<(u64, u64, u64)> {
    request(Request::FrameOf, [addr, 0, 0, 0]).map(|w| (w[0], w[1], w[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_kind_converts_and_compares() {
        let from_server: Error = MemError::NoChild.into();
        assert_eq!(from_server, MemError::NoChild);
        assert_ne!(from_server, MemError::OutOfMemory);
        let from_kernel: Error = SysError::PeerDied.into();
        assert_eq!(from_kernel, Error::Sys(SysError::PeerDied));
        assert_ne!(from_kernel, MemError::BadRequest);
        let question_mark = || -> Result<()> { Err(MemError::WouldBlock)? };
        assert_eq!(question_mark(), Err(Error::Mem(MemError::WouldBlock)));
    }
}
