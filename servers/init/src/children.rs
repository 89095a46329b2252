//! The servers init starts itself — the memory server, and programs it trusts with memory (pool
//! holders) — with their capabilities, and taking everything back. Every other program is a
//! process of the memory server.
use crate::{MINTING, NAME_SERVICE, SUPERVISOR, WINDOW};
use userlib::abi::bootfs::BootFs;
use userlib::abi::cmdline::Program;
use userlib::abi::elf::Elf;
use userlib::abi::names::SERVER_BADGES;
use userlib::layout::{IPC_BUFFER, PAGE_SIZE, STACK_TOP};
use userlib::load::Loader;
use userlib::{init_slots, slots, sys, CapSlot, PageRights, Rights, SysError, UserRegs};

/// Most servers at once (each takes four of init's capability slots).
const MAX_CHILDREN: usize = 12;
/// Programs init trusts with memory and starts itself: they get the frame pool and their own
/// address-space and task capabilities (`slots::POOL`, `SELF_SPACE`, `SELF_TASK`). The memory
/// server; `rogue` plays a compromised server in the adversarial suite; `fuzz` uses them in its
/// privileged mode; `membench` measures the memory calls; `kernbench` runs helper tasks;
/// `belltest` makes notifications; `keybench` makes keys (the keyboard controller's ports);
/// `smptest` and `smpbench` run helper tasks on other CPUs; the input drivers make their notifications; the
/// display driver maps the framebuffer.
pub const POOL_HOLDERS: &[&str] = &[
    crate::MEMSRV,
    crate::DISPLAY,
    "rogue",
    "fuzz",
    "membench",
    "kernbench",
    "belltest",
    "irqtest",
    "keybench",
    "smptest",
    "smpbench",
    crate::input_stack::KBD,
    crate::input_stack::SERIAL,
];
/// Pool holders init also trusts with devices: they get the system capability with `DEVICE` only
/// (`slots::DEVICE`), to make interrupt-handler, I/O-port and device-frame capabilities. The display
/// driver maps the framebuffer; `irqtest` checks them; `rogue` and `fuzz` abuse them; `kernbench`
/// measures an interrupt's way to its driver; `keybench` makes keys. The input
/// drivers (`input_stack.rs`) drive the keyboard and the serial line.
pub const DEVICE_HOLDERS: &[&str] = &[
    crate::DISPLAY,
    "irqtest",
    "rogue",
    "fuzz",
    "kernbench",
    "keybench",
    crate::input_stack::KBD,
    crate::input_stack::SERIAL,
];
/// Stack pages mapped at start (these servers get no demand paging).
const STACK_PAGES: u64 = 16;

pub struct Child {
    pub name: &'static str,
    pub pid: u64,
    /// Named on the command line (the run waits for it), rather than a companion.
    pub named: bool,
    /// Marked `!`: it should be killed, and ending any other way is a failure.
    pub expect_kill: bool,
    /// Lives for the whole run (the memory server): not reaped with a batch.
    pub permanent: bool,
    /// Restarted when it crashes (the input stack): init supervises awake while it runs.
    pub restartable: bool,
    /// Its id with the name service (the badge of its capability to it); 0 for the memory server
    /// (unbadged: it mints its processes' own) and the service itself.
    names_id: u64,
    index: usize,
    loader: Loader,
}

impl Child {
    /// The badge of its messages to init's supervisor endpoint (`Children::reap` takes it).
    pub fn badge(&self) -> u64 {
        self.index as u64 + 1
    }
    fn slot(&self, n: u32) -> CapSlot {
        CapSlot(16 + 4 * self.index as u32 + n)
    }
    pub fn space(&self) -> CapSlot {
        self.slot(0)
    }
    pub fn task(&self) -> CapSlot {
        self.slot(1)
    }
    /// Its endpoint (`slots::OWN`); init keeps a copy.
    pub fn own(&self) -> CapSlot {
        self.slot(2)
    }
    fn supervisor(&self) -> CapSlot {
        self.slot(3)
    }
}

pub struct Children {
    list: [Option<Child>; MAX_CHILDREN],
    /// Servers started so far: each gets the next name-service id, so no id is ever reused (a
    /// server keeps per-client state by it, and asks whether it ended).
    started: u64,
}

impl Children {
    pub fn new() -> Children {
        Children {
            list: [const { None }; MAX_CHILDREN],
            started: 0,
        }
    }

    pub fn named_running(&self) -> usize {
        self.list.iter().flatten().filter(|c| c.named).count()
    }

    /// The child a supervisor message's badge names (badge = index + 1).
    pub fn by_badge(&mut self, badge: u64) -> Option<&mut Child> {
        self.list
            .get_mut((badge as usize).checked_sub(1)?)?
            .as_mut()
    }

    /// Loads `program` and starts it with `rdi` = its argument and `rsi` = `arg2`, after `prepare`
    /// has worked on it (before it runs); on failure everything it got is given back.
    pub fn spawn(
        &mut self,
        fs: &BootFs<'static>,
        program: Program<'static>,
        arg2: u64,
        prepare: impl FnOnce(&Child) -> Result<(), SysError>,
    ) -> Result<&Child, SysError> {
        let name = program.name;
        let file = fs.find(name).ok_or(SysError::InvalidArgument)?;
        let elf = Elf::parse(file.data).map_err(|_| SysError::InvalidArgument)?;
        let index = self
            .list
            .iter()
            .position(Option::is_none)
            .ok_or(SysError::OutOfMemory)?;
        let loader = Loader {
            space: CapSlot(16 + 4 * index as u32),
            window: WINDOW,
        };
        let permanent =
            [crate::MEMSRV, crate::NAMES, crate::VIEWER, crate::DISPLAY].contains(&name);
        let names_id = match name {
            crate::MEMSRV | crate::NAMES => 0,
            _ => SERVER_BADGES + self.started,
        };
        self.started += 1;
        let mut child = Child {
            name,
            pid: 0,
            named: !permanent,
            expect_kill: program.expect_kill,
            permanent,
            restartable: false,
            names_id,
            index,
            loader,
        };
        sys::as_create(init_slots::POOL, child.space())?;
        let result = start(&mut child, &elf, [program.arg, arg2], prepare);
        self.list[index] = Some(child);
        if let Err(e) = result {
            self.reap(index as u64 + 1);
            return Err(e);
        }
        Ok(self.list[index].as_ref().expect("just inserted"))
    }

    /// Makes a child a companion the batch does not wait for, restarted if `restartable`.
    pub fn make_companion(&mut self, badge: u64, restartable: bool) {
        if let Some(child) = self.by_badge(badge) {
            child.named = false;
            child.restartable = restartable;
        }
    }

    /// Is a child init restarts running (so init must not block waiting for processes)?
    pub fn restartable_running(&self) -> bool {
        self.list.iter().flatten().any(|c| c.restartable)
    }

    /// The endpoint of the running child called `name`.
    pub fn own_of(&self, name: &str) -> Option<CapSlot> {
        self.list
            .iter()
            .flatten()
            .find(|c| c.name == name)
            .map(Child::own)
    }

    /// Reaps the children `which` picks.
    pub fn reap_where(&mut self, which: impl Fn(&Child) -> bool) {
        for badge in 1..=MAX_CHILDREN as u64 {
            if self.by_badge(badge).is_some_and(|c| which(c)) {
                self.reap(badge);
            }
        }
    }

    /// The memory server's service endpoint (unbadged: init mints from it).
    pub fn memory_server(&self) -> Option<CapSlot> {
        let memsrv = self
            .list
            .iter()
            .flatten()
            .find(|c| c.name == crate::MEMSRV)?;
        Some(memsrv.own())
    }

    /// Destroys a child and gives back all it had.
    pub fn reap(&mut self, badge: u64) {
        let Some(child) = (badge as usize)
            .checked_sub(1)
            .and_then(|i| self.list.get_mut(i)?.take())
        else {
            return;
        };
        let _ = sys::task_destroy(child.task());
        let _ = sys::cap_delete(child.task());
        let _ = sys::endpoint_destroy(child.own());
        let _ = sys::cap_delete(child.own());
        let _ = sys::cap_delete(child.supervisor());
        if let Err(e) = sys::as_destroy(child.space()) {
            userlib::println!(
                "init: cannot destroy the address space of {}: {e}",
                child.name
            );
        }
        let _ = sys::cap_delete(child.space());
        if child.names_id != 0 {
            let service = userlib::Endpoint(NAME_SERVICE);
            if let Err(e) = userlib::names::system::ended(service, child.names_id) {
                userlib::println!(
                    "init: cannot tell the name service {} ended: {e:?}",
                    child.name
                );
            }
        }
    }

    /// Reaps every child but the permanent ones.
    pub fn reap_all(&mut self) {
        for badge in 1..=MAX_CHILDREN as u64 {
            if self.by_badge(badge).is_some_and(|c| !c.permanent) {
                self.reap(badge);
            }
        }
    }
}

fn start(
    child: &mut Child,
    elf: &Elf,
    [arg, arg2]: [u64; 2],
    prepare: impl FnOnce(&Child) -> Result<(), SysError>,
) -> Result<(), SysError> {
    elf.load(&mut child.loader)?;
    child.loader.page(IPC_BUFFER, PageRights::WRITE)?;
    for i in 1..=STACK_PAGES {
        child
            .loader
            .page(STACK_TOP - i * PAGE_SIZE, PageRights::WRITE)?;
    }
    let id = sys::task_create(child.space(), child.task())?;
    child.pid = userlib::abi::split_task_id(id).0 as u64;
    sys::task_set_name(child.task(), child.name)?;
    let regs = UserRegs {
        rip: elf.entry(),
        rsp: STACK_TOP,
        rflags: 0x202,
        rdi: arg,
        rsi: arg2,
        ..UserRegs::default()
    };
    userlib::Task(child.task()).write_regs(&regs)?;
    let badge = child.badge();
    sys::cap_mint(
        SUPERVISOR,
        child.supervisor(),
        Rights::SEND | Rights::GRANT,
        badge,
    )?;
    sys::endpoint_create(init_slots::POOL, child.own())?;
    sys::task_give_cap(
        child.task(),
        child.supervisor(),
        slots::SUPERVISOR,
        Rights::all(),
    )?;
    give_name_service(child)?;
    sys::task_give_cap(child.task(), child.own(), slots::OWN, Rights::all())?;
    if POOL_HOLDERS.contains(&child.name) {
        let task = child.task();
        sys::task_give_cap(task, init_slots::POOL, slots::POOL, Rights::all())?;
        sys::task_give_cap(task, child.space(), slots::SELF_SPACE, Rights::all())?;
        sys::task_give_cap(task, child.task(), slots::SELF_TASK, Rights::all())?;
    }
    if DEVICE_HOLDERS.contains(&child.name) {
        let (task, system) = (child.task(), init_slots::SYSTEM);
        sys::task_give_cap(task, system, slots::DEVICE, Rights::DEVICE)?;
    }
    sys::task_set_fault(child.task(), child.supervisor())?;
    prepare(child)?;
    sys::task_start(child.task())
}

/// The name service for a child: the memory server gets it unbadged, to mint one for each process
/// (badged with its pid); the other servers get one badged with an id above every pid, which the
/// service hears of before the server runs; the service none.
fn give_name_service(child: &Child) -> Result<(), SysError> {
    let mask = Rights::SEND | Rights::GRANT;
    match child.name {
        crate::NAMES => Ok(()),
        crate::MEMSRV => sys::task_give_cap(child.task(), NAME_SERVICE, slots::NAMES, mask),
        _ => {
            let badge = child.names_id;
            let service = userlib::Endpoint(NAME_SERVICE);
            userlib::names::system::started(service, badge, badge, child.name).map_err(
                |e| match e {
                    userlib::rpc::CallError::Sys(e) => e,
                    _ => SysError::InvalidArgument,
                },
            )?;
            sys::cap_mint(NAME_SERVICE, MINTING, mask, badge)?;
            let given = sys::task_give_cap(child.task(), MINTING, slots::NAMES, mask);
            let _ = sys::cap_delete(MINTING);
            given
        }
    }
}
