//! init: the first server. It starts the programs named on the runner's command line (batch by
//! batch, see `abi::cmdline`), acts as their supervisor (their fault endpoint: it hears of exits and
//! faults from the kernel, and trusts no look-alike message from a program), gives back every frame
//! when a program ends, checks after each batch that every frame and kernel object came back, and
//! ends the run once all are done: success if every program ended as expected (exit status 0, or
//! killed when marked `!`) and nothing leaked, failure otherwise.
//!
//! Until the memory server exists, init also resolves page faults in one demonstration region
//! (`DEMAND_ZERO`) with fresh zeroed pages, to show a fault handled in user space.
#![no_std]
#![no_main]

mod children;
mod loader;

use children::{Child, Children};
use core::fmt::Write;
use heapless::String;
use userlib::abi::bootfs::BootFs;
use userlib::abi::cmdline::{self, Program};
use userlib::abi::msg::fault;
use userlib::{init_slots, println, sys, CapSlot, ExitCode, Message, MsgTag};

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
    sys::endpoint_create(init_slots::POOL, SUPERVISOR).expect("endpoint");
    sys::endpoint_create(init_slots::POOL, SHARED).expect("endpoint");
    let before = sys::frame_census(init_slots::SYSTEM).expect("init holds the system capability");

    let mut failed = false;
    let mut ran = 0;
    let batches = cmdline::batches(fs.cmdline()).count();
    for (n, batch) in cmdline::batches(fs.cmdline()).enumerate() {
        let mut children = Children::new();
        for program in batch {
            let companion = COMPANIONS.iter().find(|(p, _)| *p == program.name);
            let companion = companion.map(|&(_, name)| Program {
                name,
                arg: 0,
                expect_kill: false,
            });
            for (p, named) in companion
                .map(|c| (c, false))
                .into_iter()
                .chain([(program, true)])
            {
                if let Err(e) = children.spawn(&fs, p, named) {
                    println!("init: cannot start {}: {e}", p.name);
                    failed = true;
                }
            }
        }
        ran += children.named_running();
        failed |= supervise(&mut children);
        children.reap_all();
        failed |= !census_unchanged(&before, (batches > 1).then_some(n + 1));
    }
    if ran == 0 {
        println!("init: no programs to run");
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

/// Receives exits and faults until every named child of the batch has ended; returns whether any
/// ended other than as expected.
fn supervise(children: &mut Children) -> bool {
    let mut failed = false;
    // A resolved fault (or a refused call) is answered together with waiting for the next message.
    let mut reply: Option<(u64, u32)> = None;
    while children.named_running() > 0 {
        let next = match reply.take() {
            Some((to, label)) => sys::reply_recv(to, SUPERVISOR, MsgTag::new(label, 0, 0), [0; 4]),
            None => sys::recv(SUPERVISOR),
        };
        let msg = match next {
            Ok(msg) => msg,
            Err(e) => {
                println!("init: cannot receive on the supervisor endpoint: {e}");
                return true;
            }
        };
        let Some(child) = children.by_badge(msg.badge) else {
            continue;
        };
        if !msg.from_kernel() {
            // Any child may send these labels; only the kernel's mark makes them true.
            println!(
                "init: ignored message {:#x} from {} (pid {}): not from the kernel",
                msg.label(),
                child.name,
                child.pid
            );
            if msg.awaits_reply() {
                reply = Some((msg.sender, REFUSED));
            }
            continue;
        }
        if msg.msg.words[0] != child.pid {
            // The notice is the kernel's, but about another task: a program trusted with its own
            // task and space can make its supervisor endpoint the fault endpoint of a task it
            // created. Its owner deals with that task; init neither ends the child nor answers.
            println!(
                "init: ignored kernel message {:#x} from {} (pid {}): about task {}",
                msg.label(),
                child.name,
                child.pid,
                msg.msg.words[0]
            );
            continue;
        }
        match handle(child, &msg.msg) {
            Verdict::Resume => reply = Some((msg.sender, 0)),
            Verdict::Ended { killed, status } => {
                let ok = if child.expect_kill {
                    killed
                } else {
                    !killed && status == 0
                };
                if child.expect_kill && !killed {
                    println!(
                        "init: {} (pid {}) was expected to be killed, but exited",
                        child.name, child.pid
                    );
                }
                failed |= child.named && !ok;
                children.reap(msg.badge);
            }
        }
    }
    if let Some((to, label)) = reply {
        // Only companions are left; let the one that faulted go on until the end of the batch.
        let _ = sys::reply(to, MsgTag::new(label, 0, 0), [0; 4]);
    }
    failed
}

/// Compares the census with the one taken before any program ran; prints the result.
fn census_unchanged(before: &sys::Census, batch: Option<usize>) -> bool {
    let after = sys::frame_census(init_slots::SYSTEM).expect("census");
    let which = batch.map_or(String::<16>::new(), |n| {
        let mut s = String::new();
        let _ = write!(s, " (batch {n})");
        s
    });
    if !(before.consistent && after.consistent) {
        println!("init: ACCOUNTING INCONSISTENT{which} (the kernel's audit failed)");
        return false;
    }
    if after != *before {
        println!("init: LEAK{which}: before {before:?}, after {after:?}");
        return false;
    }
    println!(
        "init: frame census unchanged and audited{which}: {} free, {} page tables, {} user; \
         {} tasks, {} spaces, {} endpoints",
        after.free, after.page_table, after.user, after.tasks, after.spaces, after.endpoints
    );
    true
}

/// The label init replies with to a call it does not serve.
const REFUSED: u32 = u32::MAX;

/// What a kernel message means for the child.
enum Verdict {
    /// Its fault is resolved: reply to resume it.
    Resume,
    /// It ended: it exited with `status`, or it was `killed`.
    Ended { killed: bool, status: i64 },
}

/// Handles a message from the kernel about `child`.
fn handle(child: &mut Child, msg: &Message) -> Verdict {
    let w = msg.words;
    let (name, pid) = (child.name, child.pid);
    let killed = Verdict::Ended {
        killed: true,
        status: -1,
    };
    match msg.tag.label() {
        fault::EXIT => {
            let status = w[1] as i64;
            println!("init: {name} (pid {pid}) exited with status {status}");
            Verdict::Ended {
                killed: false,
                status,
            }
        }
        fault::PAGE_FAULT if children::is_demand_zero(w[1]) => {
            match child.map_zero_page(w[1]) {
                Ok(()) => Verdict::Resume,
                Err(e) => {
                    println!("init: {name} (pid {pid}) killed: no memory for its page fault at {:#x}: {e}", w[1]);
                    killed
                }
            }
        }
        fault::PAGE_FAULT => {
            let access = fault::access(w[2]);
            println!(
                "init: {name} (pid {pid}) killed: page fault {access} {:#x} at rip={:#x}",
                w[1], w[3]
            );
            killed
        }
        fault::EXCEPTION => {
            println!(
                "init: {name} (pid {pid}) killed: {} (vector {}) error={:#x} at rip={:#x}",
                userlib::abi::msg::fault::vector_name(w[1]),
                w[1],
                w[2],
                w[3]
            );
            killed
        }
        other => {
            println!("init: {name} (pid {pid}) killed: unknown kernel message {other:#x}");
            killed
        }
    }
}
