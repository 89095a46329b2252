//! init: the first server. It starts every program named on the runner's command line, acts as their
//! supervisor (their fault endpoint: it hears of exits and faults), gives back every frame when a
//! program ends, and ends the run once all named programs are done: success if all exited with
//! status 0 and no frame leaked, failure otherwise.
//!
//! Until the memory server exists, init also resolves page faults in one demonstration region
//! (`DEMAND_ZERO`) with fresh zeroed pages, to show a fault handled in user space.
#![no_std]
#![no_main]

mod children;
mod loader;

use children::{Child, Children};
use userlib::abi::bootfs::BootFs;
use userlib::abi::msg::fault;
use userlib::{init_slots, println, sys, CapSlot, ExitCode, Message};

userlib::entry!(main);

/// Init's receive endpoint: exits and faults of all children arrive here, badged with the child.
const SUPERVISOR: CapSlot = CapSlot(8);
/// The endpoint all programs share (`slots::SHARED`).
const SHARED: CapSlot = CapSlot(9);

/// Programs that need a partner started with them.
const COMPANIONS: &[(&str, &str)] = &[
    ("ipcbench", "ipcecho"),
    ("regcheck", "ipcecho"),
    ("count", "counter"),
];

fn boot_archive() -> BootFs<'static> {
    let (addr, len) = userlib::rt::start_args();
    // SAFETY: the kernel maps the boot archive read-only at `addr` for `len` bytes (rdi, rsi at
    // start), for init's whole life, and nothing writes it.
    let bytes = unsafe { core::slice::from_raw_parts(addr as *const u8, len as usize) };
    BootFs::parse(bytes).expect("the kernel checked the boot archive")
}

fn main() -> i32 {
    let fs = boot_archive();
    loader::prepare_scratch().expect("memory for init's scratch page");
    let before = sys::frame_census(init_slots::SYSTEM).expect("init holds the system capability");
    sys::endpoint_create(init_slots::POOL, SUPERVISOR).expect("endpoint");
    sys::endpoint_create(init_slots::POOL, SHARED).expect("endpoint");

    let mut children = Children::new();
    let mut failed = false;
    for name in fs
        .cmdline()
        .split_whitespace()
        .filter(|w| !w.starts_with("test:"))
    {
        let companion = COMPANIONS.iter().find(|(p, _)| *p == name).map(|(_, c)| *c);
        for (program, named) in companion
            .map(|c| (c, false))
            .into_iter()
            .chain([(name, true)])
        {
            if let Err(e) = children.spawn(&fs, program, named) {
                println!("init: cannot start {program}: {e}");
                failed = true;
            }
        }
    }
    if children.named_running() == 0 {
        println!("init: no programs to run");
    }
    // A resolved fault is answered together with waiting for the next message (`ReplyRecv`).
    let mut reply_to = None;
    while children.named_running() > 0 {
        let next = match reply_to.take() {
            Some(sender) => {
                sys::reply_recv(sender, SUPERVISOR, userlib::MsgTag::new(0, 0, 0), [0; 4])
            }
            None => sys::recv(SUPERVISOR),
        };
        let Ok(msg) = next else {
            break;
        };
        let Some(child) = children.by_badge(msg.badge) else {
            continue;
        };
        match handle(child, &msg.msg) {
            Verdict::Resume => reply_to = Some(msg.sender),
            Verdict::Lives => {}
            Verdict::Ended { ok } => {
                failed |= child.named && !ok;
                children.reap(msg.badge);
            }
        }
    }
    if let Some(sender) = reply_to {
        // Only companions are left; let the one that faulted go on until the end of the run.
        let _ = sys::reply(sender, userlib::MsgTag::new(0, 0, 0), [0; 4]);
    }
    children.reap_all();

    let after = sys::frame_census(init_slots::SYSTEM).expect("census");
    if !(before.consistent && after.consistent) {
        println!("init: FRAME ACCOUNTING INCONSISTENT (the kernel's audit failed)");
        failed = true;
    }
    if after == before {
        println!(
            "init: frame census unchanged and audited: {} free, {} page tables, {} user",
            after.free, after.page_table, after.user
        );
    } else {
        println!("init: FRAME LEAK: before {before:?}, after {after:?}");
        failed = true;
    }
    let code = if failed {
        ExitCode::Failure
    } else {
        ExitCode::Success
    };
    println!(
        "init: all programs done: {}",
        if failed { "failure" } else { "success" }
    );
    let _ = sys::shutdown(init_slots::SYSTEM, code);
    1
}

/// What a supervisor message means for the child.
enum Verdict {
    /// Its fault is resolved: reply to resume it.
    Resume,
    /// It goes on (a message init ignores).
    Lives,
    /// It ended: cleanly (exit status 0) or not.
    Ended { ok: bool },
}

/// Handles a message about `child`.
fn handle(child: &mut Child, msg: &Message) -> Verdict {
    let w = msg.words;
    let (name, pid) = (child.name, child.pid);
    match msg.tag.label() {
        fault::EXIT => {
            let status = w[1] as i64;
            println!("init: {name} (pid {pid}) exited with status {status}");
            Verdict::Ended { ok: status == 0 }
        }
        fault::PAGE_FAULT if children::is_demand_zero(w[1]) => {
            match child.map_zero_page(w[1]) {
                Ok(()) => Verdict::Resume,
                Err(e) => {
                    println!("init: {name} (pid {pid}) killed: no memory for its page fault at {:#x}: {e}", w[1]);
                    Verdict::Ended { ok: false }
                }
            }
        }
        fault::PAGE_FAULT => {
            let access = fault::access(w[2]);
            println!(
                "init: {name} (pid {pid}) killed: page fault {access} {:#x} at rip={:#x}",
                w[1], w[3]
            );
            Verdict::Ended { ok: false }
        }
        fault::EXCEPTION => {
            println!(
                "init: {name} (pid {pid}) killed: exception vector {} error={:#x} at rip={:#x}",
                w[1], w[2], w[3]
            );
            Verdict::Ended { ok: false }
        }
        other => {
            println!("init: unexpected message {other:#x} from {name}");
            Verdict::Lives
        }
    }
}
