//! The memory server's protocol misused (700..): a `Wait` sent rather than called, `page_alloc` of
//! the null page, spawning the system's own programs, asking for the checks only init may ask
//! for — and, with `rogue` (its cases 300..), a kernel notice about another task under this
//! process's badge, and a frame of this process mapped behind the server's back.
use test_programs::hostile::case::{check, survival, works, Case, Checked, Failure};
use userlib::abi::memsrv::{MemError, Request};
use userlib::ipc::message;
use userlib::process::{self, yield_now, Error};
use userlib::{cap, names, slots, sys, CapSlot, Endpoint, MsgTag, HZ};

pub const CASES: &[Case] = &[
    survival(700, "a Wait sent, not called, is ignored", wait_sent),
    survival(701, "page_alloc of the null page is refused", null_page),
    survival(702, "the system's programs cannot be spawned", spawn_system),
    survival(703, "only init may ask for the checks", check_refused),
    survival(
        704,
        "a notice about the rogue's task under this badge is ignored",
        notice_about_another_task,
    ),
    survival(
        705,
        "a frame of this process mapped by the rogue too",
        frame_mapped_elsewhere,
    ),
    survival(
        706,
        "the name-service capability asked for again, and over another capability",
        name_service_again,
    ),
    survival(
        707,
        "argument strings too long, cut short, padded with bytes or not UTF-8 are refused",
        spawn_args_misshapen,
    ),
];

/// Where the pair cases keep the rogue's endpoint.
const ROGUE: CapSlot = CapSlot(12);
/// A page of this process's own for case 705.
const PAGE: u64 = 0x0000_4000_0000_0000;

fn mem(what: &'static str, e: Error) -> Failure {
    Failure { what, got: code(e) }
}

/// A number for a failure line: the memory server's error code, or the kernel's with bit 32.
fn code(e: Error) -> u64 {
    match e {
        Error::Mem(e) => e as u64,
        Error::Sys(e) => 1 << 32 | e.raw(),
    }
}

/// A child that exits at once, left a zombie; a `Wait` for it is then sent (no reply can come):
/// the server must not reap it, so a called `waitpid` still finds it.
fn wait_sent() -> Checked {
    let child = match process::fork() {
        Ok(0) => process::exit(5),
        Ok(pid) => pid,
        Err(e) => return Err(mem("fork", e)),
    };
    for _ in 0..200 {
        yield_now();
    }
    let tag = MsgTag::new(Request::Wait as u32, 4, 0);
    works(
        sys::send(slots::SUPERVISOR, tag, [child, 0, 0, 0]),
        "send the Wait",
    )?;
    let status = process::waitpid(child).map_err(|e| mem("waitpid after the sent Wait", e))?;
    check(
        status.code == 5,
        "the status is still there",
        status.code as u64,
    )
}

fn null_page() -> Checked {
    let refused = process::page_alloc(0);
    check(
        refused == Err(Error::Mem(MemError::BadAddress)),
        "page_alloc(0) is BadAddress",
        refused.map_or_else(code, |()| 0),
    )?;
    check(process::frame_of(0).is_err(), "nothing is mapped at 0", 0)
}

fn spawn_system() -> Checked {
    for name in ["init", "memsrv", "names", "viewer"] {
        let result = process::spawn(name, 0);
        check(
            result == Err(Error::Mem(MemError::NoSuchProgram)),
            "spawning a system program is refused",
            result.unwrap_or_else(code),
        )?;
    }
    Ok(())
}

/// `SpawnArgs` with its length and words disagreeing, hidden bytes in the padding, bytes that are
/// not UTF-8, a length beyond `ARGS_MAX`: each refused, and no process started (the next pid is
/// the one a good spawn then gets, which prints its words: the adversarial test reads them).
fn spawn_args_misshapen() -> Checked {
    use userlib::abi::memsrv::{pack_name, ARGS_MAX};
    let [a, b] = pack_name("hello").expect("short");
    let hi = u64::from_le_bytes(*b"hi\0\0\0\0\0\0");
    let cases: [(&'static str, &[u64]); 6] = [
        (
            "a length beyond ARGS_MAX",
            &[a, b, 0, ARGS_MAX as u64 + 8, hi],
        ),
        ("a length past the words sent", &[a, b, 0, 9, hi]),
        ("more words than the length needs", &[a, b, 0, 2, hi, hi]),
        (
            "bytes hidden in the padding",
            &[a, b, 0, 2, hi | 0x41 << 40],
        ),
        ("bytes that are not UTF-8", &[a, b, 0, 2, 0xfffe]),
        ("a length that wraps", &[a, b, 0, u64::MAX, hi]),
    ];
    let server = Endpoint(slots::SUPERVISOR);
    for (what, words) in cases {
        let reply = works(
            server.call_long(Request::SpawnArgs as u32, words, &[]),
            "call the memory server",
        )?;
        check(
            reply.tag.label() == MemError::BadRequest as u32,
            what,
            reply.tag.0,
        )?;
    }
    let pid = process::spawn_with_args("hello", 0, "past the checks")
        .map_err(|e| mem("spawn with good words", e))?;
    let status = process::waitpid(pid).map_err(|e| mem("wait for hello", e))?;
    check(status.code == 0, "hello exits 0", status.code as u64)
}

fn check_refused() -> Checked {
    let result = process::check();
    check(
        result == Err(Error::Mem(MemError::BadRequest)),
        "Check from a process is BadRequest",
        result.map_or_else(code, |r| r.errors),
    )
}

/// A process gets its capability to the name service on first use (main asked already): asked
/// again while the slot holds it, or holds anything else, the server refuses and the slot keeps
/// what it holds; emptied, it is given again, and the service still knows the process.
fn name_service_again() -> Checked {
    let refused = |what| {
        let result = process::name_service();
        check(
            result == Err(Error::Mem(MemError::BadRequest)),
            what,
            result.map_or_else(code, |()| 0),
        )
    };
    refused("asked again while the slot holds it: BadRequest")?;
    works(sys::cap_delete(slots::NAMES), "delete it")?;
    works(
        sys::cap_copy(slots::OWN, slots::NAMES, userlib::Rights::RECEIVE),
        "put our own endpoint there",
    )?;
    refused("asked over another capability: BadRequest")?;
    // Still our own endpoint (receive-only): a send through it is refused.
    let send = sys::send(slots::NAMES, MsgTag::new(1, 0, 0), [0; 4]);
    check(
        send == Err(userlib::SysError::MissingRights),
        "the slot kept our endpoint",
        send.map_or_else(|e| e.raw(), |()| 0),
    )?;
    works(sys::cap_delete(slots::NAMES), "empty the slot")?;
    // The next lookup asks for it again (userlib does) and the service answers, not `Busy`.
    let found = names::lookup("attack-nobody", CapSlot(13), 0);
    check(
        matches!(
            found,
            Err(userlib::rpc::CallError::Server(
                userlib::abi::names::NameError::NotFound
            ))
        ),
        "a lookup after the slot was emptied is answered NotFound",
        0,
    )
}

/// The rogue's endpoint, once it has registered `name`.
fn rogue(name: &str) -> Result<Endpoint, Failure> {
    names::lookup(name, ROGUE, 10 * HZ as u32).map_err(|_| Failure {
        what: "find the rogue",
        got: 0,
    })
}

/// Gives the rogue this process's endpoint to the memory server (badged with its pid); the rogue
/// makes it the fault endpoint of a helper task of its own, which exits. The kernel's notice
/// reaches the server with this pid's badge but names the helper: it must not end this process.
fn notice_about_another_task() -> Checked {
    let rogue = rogue("rogue-notice")?;
    let reply = works(
        rogue.call_long(0x704, &[], &[slots::SUPERVISOR]),
        "hand the rogue the supervisor endpoint",
    )?;
    check(
        reply.tag.label() == 0,
        "the rogue's helper exited",
        reply.tag.0,
    )?;
    // The server handles messages in order: by its answer here it has seen the notice.
    let pid = process::getpid();
    check(pid != 0, "still a process of the memory server", pid)?;
    works(
        process::page_alloc(PAGE).map_err(|_| userlib::SysError::OutOfMemory),
        "still served",
    )
}

/// Tells the rogue the frame of one of its pages; the rogue maps it too, writable, and holds it
/// while init has the server check (`--run-for`: every two seconds), then lets go. The checks
/// must see a frame shared and writable, and mapped more often than the server knows.
fn frame_mapped_elsewhere() -> Checked {
    works(
        process::page_alloc(PAGE).map_err(|_| userlib::SysError::OutOfMemory),
        "map a page",
    )?;
    let (frame, _, _) = process::frame_of(PAGE).map_err(|e| mem("frame_of", e))?;
    let rogue = rogue("rogue-frame")?;
    let mapped = works(rogue.call(&message(0x705, &[frame])), "tell the rogue")?;
    check(mapped.tag.label() == 0, "the rogue mapped it", mapped.tag.0)?;
    let _ = sys::recv_timeout(cap::own().0, 5 * HZ);
    let released = works(rogue.call(&message(0x706, &[])), "let the rogue go")?;
    check(
        released.tag.label() == 0,
        "the rogue unmapped it",
        released.tag.0,
    )
}
