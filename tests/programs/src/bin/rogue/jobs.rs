//! What the rogue's helper tasks run (each an `extern "C" fn() -> !` a task starts at), and the
//! statics they report through (helpers share the rogue's address space).
use core::arch::naked_asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use test_programs::hostile::asm::{load_ds, load_es, load_fs, load_gs, segments};
use userlib::arch::syscall_raw;
use userlib::ipc::message;
use userlib::{sys, CapSlot, SysError, Sysnum};

/// Set by a helper when it has done its part (values per job below).
pub static DONE: AtomicU64 = AtomicU64::new(0);
/// A server helper holds a call (1), and has replied (1).
pub static HELD: AtomicU64 = AtomicU64::new(0);
pub static SERVER_DONE: AtomicU64 = AtomicU64::new(0);
/// A client helper's call has returned.
pub static CLIENT_DONE: AtomicU64 = AtomicU64::new(0);
/// Lets a server helper reply.
pub static GO: AtomicU64 = AtomicU64::new(0);
/// What a helper saw: a syscall's result, its flags, its selectors.
pub static RESULT: AtomicU64 = AtomicU64::new(0);
pub static SEEN: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

pub fn reset() {
    for flag in [&DONE, &HELD, &SERVER_DONE, &CLIENT_DONE, &GO, &RESULT] {
        flag.store(0, SeqCst);
    }
    for seen in &SEEN {
        seen.store(0, SeqCst);
    }
}

/// What `fault_with_marker` loads into rax before its fault.
pub const MARKER: u64 = 0x0123_4567_89AB_CDEF;
pub const INVALID_OPCODE: u64 = 6;
pub const GENERAL_PROTECTION: u64 = 13;
/// What a server helper answers.
pub const ANSWER: u64 = 42;
/// The selectors `load_segments` loads: the user data segment and a null selector with RPL 3.
pub const LOADED: [u16; 4] = [0x1b, 0x1b, 0x1b, 0x3];

pub fn pack(s: [u16; 4]) -> u64 {
    s.iter().fold(0, |acc, &x| acc << 16 | x as u64)
}

/// The error code of a result, 0 for success.
fn code<T>(result: &Result<T, SysError>) -> u64 {
    result.as_ref().map_or_else(|e| e.raw(), |_| 0)
}

/// Yields forever (until the rogue stops or destroys it).
pub extern "C" fn park() -> ! {
    loop {
        sys::yield_now();
    }
}

/// Stops itself through its own capability (slot 0), and records what `TaskStop` returned once
/// restarted.
pub extern "C" fn stop_itself() -> ! {
    let out = syscall_raw(Sysnum::TaskStop.raw(), [0; 6], 0);
    RESULT.store(out.rax, SeqCst);
    DONE.store(1, SeqCst);
    park()
}

/// Loads [`MARKER`] into rax and runs `ud2` (at [`marker_fault_address`]).
#[unsafe(naked)]
pub extern "C" fn fault_with_marker() -> ! {
    naked_asm!("movabs rax, {marker}", "ud2", marker = const MARKER)
}

/// Where `fault_with_marker` faults: after its 10-byte `movabs`.
pub fn marker_fault_address() -> u64 {
    fault_with_marker as *const () as u64 + 10
}

/// Records its RFLAGS, then tries `cli`.
#[unsafe(naked)]
pub extern "C" fn flags_then_cli() -> ! {
    naked_asm!(
        "pushfq",
        "pop rax",
        "mov qword ptr [rip + {result}], rax",
        "cli",
        "ud2",
        result = sym RESULT,
    )
}

/// Describes its slots 0-2 (kind << 32 | rights) and tries to allocate through slot 2.
pub extern "C" fn describe_caps() -> ! {
    for (i, seen) in SEEN.iter().enumerate() {
        let info = sys::cap_info(CapSlot(i as u32));
        seen.store(
            info.map_or(0, |c| c.kind.raw() << 32 | c.rights.bits()),
            SeqCst,
        );
    }
    RESULT.store(code(&sys::frame_alloc(CapSlot(2))), SeqCst);
    DONE.store(1, SeqCst);
    park()
}

/// Loads [`LOADED`], waits for the observer, then records its own selectors.
pub extern "C" fn load_segments() -> ! {
    load_ds(LOADED[0]);
    load_es(LOADED[1]);
    load_fs(LOADED[2]);
    load_gs(LOADED[3]);
    DONE.store(1, SeqCst);
    while DONE.load(SeqCst) != 2 {
        sys::yield_now();
    }
    SEEN[0].store(pack(segments()), SeqCst);
    DONE.store(3, SeqCst);
    park()
}

/// Records the selectors it starts with.
pub extern "C" fn report_segments() -> ! {
    RESULT.store(pack(segments()), SeqCst);
    DONE.store(2, SeqCst);
    park()
}

/// Receives a call on slot 0, holds it until [`GO`], then replies [`ANSWER`].
pub extern "C" fn hold_a_call() -> ! {
    if let Ok(call) = sys::recv(CapSlot(0)) {
        SEEN[0].store(call.sender, SeqCst);
        HELD.store(1, SeqCst);
        while GO.load(SeqCst) == 0 {
            sys::yield_now();
        }
        let replied = userlib::ipc::reply(call.sender, &message(0, &[ANSWER]));
        SEEN[1].store(code(&replied), SeqCst);
    }
    SERVER_DONE.store(1, SeqCst);
    park()
}

/// Calls on slot 0; records word 0 of the reply, or the error code shifted up by 32 bits.
pub extern "C" fn call_slot_0() -> ! {
    let result = match sys::call(CapSlot(0), message(1, &[]).tag, [0; 4]) {
        Ok(reply) => reply.words[0],
        Err(e) => e.raw() << 32,
    };
    RESULT.store(result, SeqCst);
    CLIENT_DONE.store(1, SeqCst);
    park()
}

/// Receives on slot 0 and records the result.
pub extern "C" fn receive_on_slot_0() -> ! {
    RESULT.store(code(&sys::recv(CapSlot(0))), SeqCst);
    DONE.store(1, SeqCst);
    park()
}

/// Sets [`DONE`] and exits with status 77.
pub extern "C" fn exit_77() -> ! {
    DONE.store(1, SeqCst);
    sys::exit(77)
}

/// Waits on the notification in slot 0; records the result in [`RESULT`], the bits in
/// `SEEN[0]`, and sets [`DONE`].
pub extern "C" fn wait_on_slot_0() -> ! {
    let result = sys::wait(CapSlot(0));
    SEEN[0].store(*result.as_ref().unwrap_or(&0), SeqCst);
    RESULT.store(code(&result), SeqCst);
    DONE.store(1, SeqCst);
    park()
}

/// Binds the notification in slot 0 to itself, then receives on the endpoint in slot 1; records
/// as [`wait_on_slot_0`] does (the bits are the badge).
pub extern "C" fn bind_then_receive() -> ! {
    RESULT.store(code(&sys::notification_bind(CapSlot(0))), SeqCst);
    let result = sys::recv(CapSlot(1));
    SEEN[0].store(result.as_ref().map_or(0, |r| r.badge), SeqCst);
    SEEN[1].store(result.as_ref().is_ok_and(|r| r.notified()) as u64, SeqCst);
    RESULT.store(code(&result), SeqCst);
    DONE.store(1, SeqCst);
    park()
}

/// Where `touch_unmapped` writes: a page of the rogue's space nothing else maps.
pub const UNMAPPED: u64 = 0x0000_6100_0000_0000;

/// Writes [`MARKER`] to [`UNMAPPED`] (a page fault until someone maps it), then sets [`DONE`].
pub extern "C" fn touch_unmapped() -> ! {
    // SAFETY: no Rust object lives at `UNMAPPED`; the write faults until the page is mapped.
    unsafe { (UNMAPPED as *mut u64).write_volatile(MARKER) };
    DONE.store(1, SeqCst);
    park()
}
