//! init: the first server. It starts the memory server, then the programs named on the runner's
//! command line (batch by batch, see `abi::cmdline`): most as processes of the memory server
//! (init is their parent: it spawns them and waits for them), and the programs it trusts with
//! memory (`children::POOL_HOLDERS`) itself, as their supervisor (their fault endpoint: it hears
//! of their exits and faults from the kernel, and trusts no look-alike message). After each batch
//! it checks that every frame and kernel object came back, and it ends the run once all are done:
//! success if every program ended as expected (exit status 0, or killed when marked `!`), the
//! memory server's consistency checks held and nothing leaked; failure otherwise.
#![no_std]
#![no_main]

mod children;
mod input_stack;
mod processes;

use children::{Child, Children};
use core::fmt::Write;
use heapless::String;
use input_stack::InputStack;
use processes::Processes;
use userlib::abi::bootfs::BootFs;
use userlib::abi::cmdline::{self, Program};
use userlib::abi::memsrv::{INIT_PID, OBSERVER};
use userlib::abi::msg::fault;
use userlib::abi::registry;
use userlib::abi::space::ShareMode;
use userlib::layout::{BOOTFS, PAGE_SIZE};
use userlib::load::Window;
use userlib::{
    init_slots, println, process, slots, sys, CapKind, CapSlot, ExitCode, Message, MsgTag, Rights,
};

userlib::entry!(main);

/// The memory server's program name.
pub const MEMSRV: &str = "memsrv";
/// The name service's program name.
pub const NAMES: &str = "names";
/// The memory viewer's program name.
pub const VIEWER: &str = "viewer";
/// The display driver's program name.
pub const DISPLAY: &str = "display";
/// Init's receive endpoint: exits and faults of the servers it starts arrive here, badged.
const SUPERVISOR: CapSlot = CapSlot(8);
/// The name service's endpoint (send + grant, unbadged), from which every program's
/// `slots::NAMES` is made.
const NAME_SERVICE: CapSlot = CapSlot(9);
/// Where init mints a capability before giving it away.
const MINTING: CapSlot = CapSlot(10);
/// Where init maps a frame of a program it is loading.
pub const WINDOW: Window = Window {
    own_space: init_slots::SELF_SPACE,
    pool: init_slots::POOL,
    scratch: 0x0000_5000_0000_0000,
};
/// How often init looks for ended processes while servers of its own run (timer ticks).
const POLL_TICKS: u64 = 5;
/// How often init asks the memory server to check its processes while a `--run-for` batch runs
/// (timer ticks): the checks look at live processes, not only at what is left when they end.
const CHECK_TICKS: u64 = 2 * userlib::abi::HZ;

/// The boot archive the kernel mapped for init, or `None` if this is not the init the kernel
/// started (a program that starts another copy cannot give it the system capability).
fn boot_archive() -> Option<(BootFs<'static>, u64)> {
    let system = sys::cap_info(init_slots::SYSTEM).ok()?;
    if system.kind != CapKind::System {
        return None;
    }
    let (addr, len) = userlib::rt::start_args();
    // SAFETY: init holds the system capability, so the kernel started it: the kernel maps the
    // boot archive read-only at `addr` for `len` bytes (rdi, rsi at start), for init's whole
    // life, and nothing writes it.
    let bytes = unsafe { core::slice::from_raw_parts(addr as *const u8, len as usize) };
    Some((
        BootFs::parse(bytes).expect("the kernel checked the boot archive"),
        len,
    ))
}

fn main() -> i32 {
    let Some((fs, archive_len)) = boot_archive() else {
        println!("init: not started by the kernel (no system capability): exiting");
        return 1;
    };
    WINDOW.prepare().expect("memory for init's scratch window");
    sys::endpoint_create(init_slots::POOL, SUPERVISOR).expect("endpoint");
    let mut children = Children::new();
    let registry = fs
        .find(registry::ARCHIVE_NAME)
        .and_then(|f| core::str::from_utf8(f.data).ok())
        .unwrap_or("");
    if let Err(e) = start_name_service(&mut children, &fs) {
        println!("init: cannot start the name service: {e}");
        let _ = sys::shutdown(init_slots::SYSTEM, ExitCode::Failure);
    }
    reserve_server_names(registry);
    if let Err(e) = start_display(&mut children, &fs) {
        println!("init: cannot start the display driver: {e}");
    }
    if let Err(e) = start_memory_server(&mut children, &fs, archive_len) {
        println!("init: cannot start the memory server: {e}");
        let _ = sys::shutdown(init_slots::SYSTEM, ExitCode::Failure);
    }
    if let Some(mode) = cmdline::viewer(fs.cmdline()) {
        if let Err(e) = start_viewer(&mut children, &fs, mode) {
            println!("init: cannot start the memory viewer: {e}");
        }
    }
    let before = Baseline::now();

    // `--run-for SECS`: each batch runs that long at most (in timer ticks).
    let run_for = cmdline::run_for(fs.cmdline()).map(|secs| secs * userlib::abi::HZ);
    let mut failed = false;
    let mut ran = 0;
    let mut input = InputStack::new(fs.cmdline());
    let batches = cmdline::batches(fs.cmdline()).count();
    for (n, batch) in cmdline::batches(fs.cmdline()).enumerate() {
        let mut procs = Processes::new();
        for (p, named) in batch_with_companions(registry, batch.clone()) {
            let name = p.name;
            if name == userlib::abi::input::NAME {
                if let Err(e) = input.start(&mut children, &fs) {
                    println!("init: cannot start the input stack: {e}");
                    failed = true;
                }
            } else if children::POOL_HOLDERS.contains(&name) {
                if let Err(e) = children.spawn(&fs, p, 0, |_| Ok(())) {
                    println!("init: cannot start {name}: {e}");
                    failed = true;
                }
            } else if let Err(e) = procs.spawn(p, named) {
                println!("init: cannot start {name}: {e}");
                failed = true;
            }
        }
        let named = children.named_running() + procs.named_running();
        ran += named;
        // Servers alone never end and block, waiting for clients: init waits with them, awake (a
        // wait in which every task blocks would read as a deadlock to the kernel).
        let serve_on = named > 0 && run_for.is_none() && servers_only(registry, batch);
        if serve_on {
            println!(
                "init: a batch of servers only: they serve until --run-for SECS, --timeout SECS \
                 or QEMU ends"
            );
        }
        let mut supervisor = Supervisor {
            children: &mut children,
            input: &mut input,
            fs: &fs,
        };
        failed |= supervise(&mut supervisor, &mut procs, run_for, serve_on);
        // Once more while the batch's processes are alive (servers, companions, what `--run-for`
        // stops), then again once they are gone (`checks_hold`).
        failed |= !live_check();
        procs.stop_all();
        children.reap_all();
        failed |= !checks_hold(&before, (batches > 1).then_some(n + 1));
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

/// The programs to start for a batch, each with whether the batch waits for it: first the servers
/// its programs bring (`with=` in the registry) that it does not name itself, then the programs
/// named. A server named beside other programs is not waited for (it is stopped with the batch).
fn batch_with_companions<'a>(
    registry: &'a str,
    batch: impl Iterator<Item = Program<'a>> + Clone,
) -> heapless::Vec<(Program<'a>, bool), 24> {
    let mut list: heapless::Vec<(Program<'a>, bool), 24> = heapless::Vec::new();
    let is_server = |name: &str| registry::find(registry, name).is_some_and(|e| e.server);
    let only_servers = servers_only(registry, batch.clone());
    for program in batch.clone() {
        for with in registry::find(registry, program.name)
            .iter()
            .flat_map(|e| e.with())
        {
            let named = batch.clone().any(|p| p.name == with);
            if !named && !list.iter().any(|(p, _)| p.name == with) {
                let companion = Program {
                    name: with,
                    arg: 0,
                    expect_kill: false,
                };
                let _ = list.push((companion, false));
            }
        }
    }
    for program in batch {
        let waited = only_servers || !is_server(program.name);
        if list.push((program, waited)).is_err() {
            println!(
                "init: too many programs in one batch: {} not started",
                program.name
            );
        }
    }
    list
}

/// Starts the name service, and keeps a capability to it to make every program's from.
fn start_name_service(
    children: &mut Children,
    fs: &BootFs<'static>,
) -> Result<(), userlib::SysError> {
    let program = Program {
        name: NAMES,
        arg: 0,
        expect_kill: false,
    };
    let names = children.spawn(fs, program, 0, |_| Ok(()))?;
    sys::cap_copy(names.own(), NAME_SERVICE, Rights::SEND | Rights::GRANT)
}

/// Reserves with the name service the names of the registry's servers and system servers, each for
/// the program of that name, before any other program runs: so no program can take a trusted
/// server's name first (`docs/writing-a-server.md`).
fn reserve_server_names(registry: &str) {
    let service = userlib::Endpoint(NAME_SERVICE);
    for entry in registry::entries(registry).flatten() {
        if entry.server || entry.system {
            if let Err(e) = userlib::names::system::reserve(service, entry.name) {
                println!("init: cannot reserve the name {:?}: {e:?}", entry.name);
            }
        }
    }
}

/// Starts the display driver (if the archive has it) and waits until it has mapped the screen (its
/// page tables are then in the census every batch is checked against), or found none: then it
/// ends, and is reaped.
fn start_display(children: &mut Children, fs: &BootFs<'static>) -> Result<(), userlib::SysError> {
    if fs.find(DISPLAY).is_none() {
        return Ok(());
    }
    let program = Program {
        name: DISPLAY,
        arg: 0,
        expect_kill: false,
    };
    let display = children.spawn(fs, program, 0, |_| Ok(()))?;
    let (own, badge) = (display.own(), display.badge());
    let answer = sys::call(own, MsgTag::new(0, 0, 0), [0; 4]);
    if answer.map(|m| m.tag.label()) != Ok(userlib::abi::device::display::DRAWING) {
        children.reap(badge);
    }
    Ok(())
}

/// Starts the memory server with the pool, shares the boot archive with it, and makes init its
/// client (`slots::SUPERVISOR` in init's table: an endpoint to it badged with init's pid).
fn start_memory_server(
    children: &mut Children,
    fs: &BootFs<'static>,
    archive_len: u64,
) -> Result<(), userlib::SysError> {
    let free = sys::frame_census(init_slots::SYSTEM)?.free;
    let program = Program {
        name: MEMSRV,
        arg: archive_len,
        expect_kill: false,
    };
    let share_archive = |child: &Child| {
        let end = BOOTFS + archive_len.next_multiple_of(PAGE_SIZE);
        let (own, pool) = (init_slots::SELF_SPACE, init_slots::POOL);
        sys::as_share_all(
            own,
            child.space(),
            BOOTFS,
            end,
            ShareMode::COPY_ON_WRITE,
            pool,
        )?;
        // Frame states (read only), for the census any process may ask it (`mem` in sh).
        let system = init_slots::SYSTEM;
        sys::task_give_cap(child.task(), system, slots::MEMSRV_SYSTEM, Rights::READ)
    };
    let memsrv = children.spawn(fs, program, free, share_archive)?;
    let badge = INIT_PID;
    sys::cap_mint(memsrv.own(), slots::SUPERVISOR, Rights::SEND, badge)?;
    // Its first answer means it has set itself up: the census taken next sees it settled.
    match process::getpid() {
        INIT_PID => Ok(()),
        _ => Err(userlib::SysError::PeerDied),
    }
}

/// Starts the memory viewer (it runs until the system shuts down) with what it reads: the system
/// capability with `READ` only (frame states) and the memory server's endpoint badged `OBSERVER`.
fn start_viewer(
    children: &mut Children,
    fs: &BootFs<'static>,
    mode: cmdline::ViewerMode,
) -> Result<(), userlib::SysError> {
    let program = Program {
        name: VIEWER,
        arg: (mode == cmdline::ViewerMode::Log) as u64,
        expect_kill: false,
    };
    let memsrv = children
        .memory_server()
        .ok_or(userlib::SysError::EmptySlot)?;
    // (Minted once the child has its name service: that goes through the same slot.)
    let give = |child: &Child| {
        let task = child.task();
        sys::task_give_cap(task, init_slots::SYSTEM, slots::VIEW_SYSTEM, Rights::READ)?;
        sys::cap_mint(memsrv, MINTING, Rights::SEND, OBSERVER)?;
        let given = sys::task_give_cap(task, MINTING, slots::VIEW_MEMORY, Rights::SEND);
        let _ = sys::cap_delete(MINTING);
        given
    };
    children.spawn(fs, program, 0, give).map(drop)
}

/// Whether a batch names servers only (`server` in the registry).
fn servers_only<'a>(registry: &str, mut batch: impl Iterator<Item = Program<'a>>) -> bool {
    batch.all(|p| registry::find(registry, p.name).is_some_and(|e| e.server))
}

/// What init supervises: the servers it started, and the input stack among them.
struct Supervisor<'a> {
    children: &'a mut Children,
    input: &'a mut InputStack,
    fs: &'a BootFs<'static>,
}

/// Waits until every named program of the batch has ended, or until `run_for` timer ticks have
/// passed (the programs still running are then stopped by the caller, as expected); returns
/// whether any ended other than as expected. `awake`: never block in `wait` (see `main`); nor
/// while the input stack runs (init restarts what of it crashes).
fn supervise(
    supervisor: &mut Supervisor,
    procs: &mut Processes,
    run_for: Option<u64>,
    awake: bool,
) -> bool {
    let children = &mut *supervisor.children;
    let mut failed = false;
    let mut remaining = run_for;
    let mut next_check = run_for.map(|r| r.saturating_sub(CHECK_TICKS));
    // A refused call is answered together with waiting for the next message.
    let mut reply: Option<(u64, u32)> = None;
    while children.named_running() + procs.named_running() > 0 {
        failed |= procs.collect();
        if remaining == Some(0) {
            println!("init: time is up: stopping the programs still running");
            break;
        }
        if let (Some(total), Some(r), Some(at)) = (run_for, remaining, next_check) {
            if r <= at {
                let held = live_check();
                if held {
                    let secs = (total - r) / userlib::abi::HZ;
                    println!("init: {secs} s: the memory server's checks of live processes held");
                }
                failed |= !held;
                next_check = Some(r.saturating_sub(CHECK_TICKS));
            }
        }
        let only_processes = procs.named_running() > 0 && children.named_running() == 0;
        if only_processes && remaining.is_none() && !awake && !children.restartable_running() {
            // Only processes to wait for: block in `wait` (no polling, so benchmarks run alone).
            match process::wait() {
                Ok(status) => failed |= procs.ended(status),
                Err(e) => {
                    println!("init: wait failed: {e}");
                    return true;
                }
            }
            continue;
        }
        if let Some((to, label)) = reply.take() {
            let _ = sys::reply(to, MsgTag::new(label, 0, 0), [0; 4]);
        }
        // (Time spent handling messages is not counted: the deadline is approximate.)
        let ticks = remaining.map_or(POLL_TICKS, |r| r.min(POLL_TICKS));
        let msg = match sys::recv_timeout(SUPERVISOR, ticks) {
            Ok(msg) => msg,
            Err(userlib::SysError::TimedOut) => {
                remaining = remaining.map(|r| r - ticks);
                supervisor.input.clock += ticks;
                continue;
            }
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
        let (killed, status) = ending(child, &msg.msg);
        if child.restartable {
            let name = child.name;
            children.reap(msg.badge);
            supervisor.input.crashed(children, supervisor.fs, name);
            continue;
        }
        if child.permanent {
            println!("init: {} ended: the run cannot go on", child.name);
            return true;
        }
        if child.permanent {
            failed = true; // (the viewer: it never ends by itself)
        }
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
    if let Some((to, label)) = reply {
        let _ = sys::reply(to, MsgTag::new(label, 0, 0), [0; 4]);
    }
    failed
}

/// The memory server's consistency checks while processes run; prints what failed.
fn live_check() -> bool {
    match process::check() {
        Ok(r) if r.errors == 0 => true,
        Ok(r) => {
            let n = r.errors;
            println!("init: the memory server's checks found {n} errors in live processes");
            false
        }
        Err(e) => {
            println!("init: the memory server cannot check live processes: {e}");
            false
        }
    }
}

/// What every frame and object is before any program runs: the census, and what the memory
/// server holds for itself then.
struct Baseline {
    census: sys::Census,
    server: process::CheckReport,
}

impl Baseline {
    fn now() -> Baseline {
        let census =
            sys::frame_census(init_slots::SYSTEM).expect("init holds the system capability");
        let server = process::check().expect("the memory server answers init");
        Baseline { census, server }
    }

    /// The census to expect now that the memory server holds `server` for itself: its heap of
    /// records grows with what ran (it is not a fixed table) and keeps its pages, which are not
    /// a leak. Everything else must be as it was.
    fn expected(&self, server: &process::CheckReport) -> sys::Census {
        let heap = server.heap_pages.wrapping_sub(self.server.heap_pages);
        let tables = server.tables.wrapping_sub(self.server.tables);
        let mut c = self.census;
        c.user = c.user.wrapping_add(heap);
        c.page_table = c.page_table.wrapping_add(tables);
        c.free = c.free.wrapping_sub(heap).wrapping_sub(tables);
        c
    }
}

/// After a batch: the memory server's consistency checks, and the census compared with the one
/// taken before any program ran. Prints the result.
fn checks_hold(before: &Baseline, batch: Option<usize>) -> bool {
    let which = batch.map_or(String::<16>::new(), |n| {
        let mut s = String::new();
        let _ = write!(s, " (batch {n})");
        s
    });
    let server = match process::check() {
        Ok(r) if r.errors == 0 => r,
        Ok(r) => {
            println!(
                "init: the memory server's checks found {} errors{which}",
                r.errors
            );
            return false;
        }
        Err(e) => {
            println!("init: the memory server cannot check{which}: {e}");
            return false;
        }
    };
    let after = sys::frame_census(init_slots::SYSTEM).expect("census");
    let expected = before.expected(&server);
    if !(expected.consistent && after.consistent) {
        println!("init: ACCOUNTING INCONSISTENT{which} (the kernel's audit failed)");
        return false;
    }
    if after != expected {
        // ("before" allows for the memory server's heap: what the census should be now.)
        println!("init: LEAK{which}: before {expected:?}, after {after:?}");
        return false;
    }
    let grown = server.heap_pages - before.server.heap_pages.min(server.heap_pages);
    println!(
        "init: frame census unchanged and audited{which}: {} free, {} page tables, {} user; \
         {} tasks, {} spaces, {} endpoints (the memory server's heap: {} pages, {grown} more)",
        after.free,
        after.page_table,
        after.user,
        after.tasks,
        after.spaces,
        after.endpoints,
        server.heap_pages
    );
    true
}

/// The label init replies with to a call it does not serve.
const REFUSED: u32 = u32::MAX;

/// What a kernel message about a server init started says: every one ends it (init resolves no
/// faults): (killed, exit status).
fn ending(child: &Child, msg: &Message) -> (bool, i64) {
    let w = msg.words;
    let (name, pid) = (child.name, child.pid);
    match msg.tag.label() {
        fault::EXIT => {
            let status = w[1] as i64;
            println!("init: {name} (pid {pid}) exited with status {status}");
            return (false, status);
        }
        fault::PAGE_FAULT => println!(
            "init: {name} (pid {pid}) killed: page fault {} {:#x} at rip={:#x}",
            fault::access(w[2]),
            w[1],
            w[3]
        ),
        fault::EXCEPTION => println!(
            "init: {name} (pid {pid}) killed: {} (vector {}) error={:#x} at rip={:#x}",
            fault::vector_name(w[1]),
            w[1],
            w[2],
            w[3]
        ),
        fault::IO_PORT => println!(
            "init: {name} (pid {pid}) killed: in/out to port {:#x} without an I/O-port capability at rip={:#x}",
            w[1], w[3]
        ),
        other => println!("init: {name} (pid {pid}) killed: unknown kernel message {other:#x}"),
    }
    (true, -1)
}
