//! Starting a program from the boot archive as a new process, and what every process starts
//! with: its capabilities (the server's endpoint and the name service, badged with its pid, an
//! endpoint of its own) and the server as its fault endpoint.
use crate::procs::Slots;
use crate::regions::{Regions, Segment, STACK_MAX};
use crate::tables::{Tables, FIXED};
use crate::{Server, POOL, SERVICE, TEMP};
use userlib::abi::elf::Elf;
use userlib::abi::memsrv::{ExitHow, MemError};
use userlib::abi::registry;
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, STACK_TOP};
use userlib::load::Loader;
use userlib::{slots, sys, CapSlot, PageRights, Rights, SysError, UserRegs};

impl Server {
    /// `Spawn`: loads `name` and starts it as a child of `parent`; returns its pid. A program
    /// init starts is a new job; one a process starts joins that process's job.
    pub fn spawn(&mut self, parent: u64, name: &[u8], arg: u64) -> Result<u64, MemError> {
        let name_str = core::str::from_utf8(name).map_err(|_| MemError::NoSuchProgram)?;
        if self.is_system(name_str) {
            // Init and the servers it starts need what only the kernel and init give them.
            return Err(MemError::NoSuchProgram);
        }
        let file = self.fs.find(name_str).ok_or(MemError::NoSuchProgram)?;
        let elf = Elf::parse(file.data).map_err(|_| MemError::NoSuchProgram)?;
        let job = self.admit(parent)?;
        let mut regions = Regions::default();
        let mut tables = Tables::new();
        let mut image = 0;
        for s in elf.segments() {
            let (start, end) = (s.vaddr & !(PAGE_SIZE - 1), s.vaddr + s.mem_size);
            let end = end.next_multiple_of(PAGE_SIZE);
            let segment = Segment {
                start,
                end,
                writable: s.writable,
            };
            regions
                .segments
                .push(segment)
                .map_err(|_| MemError::NoSuchProgram)?;
            regions.heap_start = regions.heap_start.max(end);
            image += (end - start) / PAGE_SIZE;
            claim(&mut tables, start, end)?;
        }
        regions.brk = regions.heap_start;
        claim(&mut tables, CONSOLE, CONSOLE + PAGE_SIZE)?;
        claim(&mut tables, STACK_TOP - STACK_MAX, STACK_TOP)?;
        claim(&mut tables, IPC_BUFFER, IPC_BUFFER + PAGE_SIZE)?;
        // The image's pages (a fork commits them again for the child), its IPC buffer and the
        // page tables for all that and the stack.
        let committed = image + 1 + tables.count();
        let p = self.procs.add(parent, job, name, regions, tables)?;
        let (pid, slots) = (p.pid, p.slots().expect("a new record is live"));
        let result = match self.join(pid).and_then(|()| self.charge(pid, committed)) {
            Ok(()) => self.load_and_start(pid, slots, &elf, name_str, arg),
            Err(_) => Err(SysError::OutOfMemory),
        };
        self.settle(pid, result, MemError::NoSuchProgram)
    }

    /// Whether the registry says only the system starts `name` (init, the memory server, ...).
    fn is_system(&self, name: &str) -> bool {
        let registry = self.fs.find(registry::ARCHIVE_NAME);
        let registry = registry.and_then(|f| core::str::from_utf8(f.data).ok());
        registry
            .and_then(|list| registry::find(list, name))
            .is_some_and(|e| e.system)
    }

    fn load_and_start(
        &mut self,
        pid: u64,
        slots: Slots,
        elf: &Elf,
        name: &str,
        arg: u64,
    ) -> Result<(), SysError> {
        sys::as_create(POOL, slots.space())?;
        let mut loader = Loader {
            space: slots.space(),
            window: self.window,
        };
        elf.load(&mut loader)?;
        let (_, tables) =
            sys::as_alloc_counted(slots.space(), POOL, IPC_BUFFER, PageRights::WRITE)?;
        self.tables_built(pid, tables);
        let regs = UserRegs {
            rip: elf.entry(),
            rsp: STACK_TOP,
            rflags: 0x202,
            rdi: arg,
            ..UserRegs::default()
        };
        self.start_task(pid, slots, name, &regs)
    }

    /// Creates the task of a process whose address space is ready, gives it its capabilities and
    /// starts it.
    pub fn start_task(
        &mut self,
        pid: u64,
        slots: Slots,
        name: &str,
        regs: &UserRegs,
    ) -> Result<(), SysError> {
        let task_id = sys::task_create(slots.space(), slots.task())?;
        if let Some(p) = self.procs.get_mut(pid) {
            p.task_id = task_id & 0xffff; // notices name the task by its index
        }
        let task = userlib::Task(slots.task());
        task.set_name(name)?;
        task.write_regs(regs)?;
        sys::cap_mint(SERVICE, TEMP, Rights::SEND | Rights::GRANT, pid)?;
        let given = give_caps(slots, TEMP);
        let _ = sys::cap_delete(TEMP);
        given?;
        // (Its capability to the name service comes on first use: `Server::introduce`.)
        task.start()
    }

    /// After a spawn or fork: the pid, or (on failure) everything made is destroyed again and the
    /// caller hears `OutOfMemory` or `otherwise`.
    pub fn settle(
        &mut self,
        pid: u64,
        result: Result<(), SysError>,
        otherwise: MemError,
    ) -> Result<u64, MemError> {
        let Err(e) = result else { return Ok(pid) };
        if let Some(p) = self.procs.get_mut(pid) {
            p.parent = 0; // no zombie: nobody will wait for it
        }
        self.end(pid, ExitHow::Killed, -1);
        Err(match e {
            SysError::OutOfMemory => MemError::OutOfMemory,
            _ => otherwise,
        })
    }
}

fn give_caps(slots: Slots, badged: CapSlot) -> Result<(), SysError> {
    let task = slots.task();
    // GRANT too, as to any endpoint: the server offers no slots, so a capability sent to it is
    // dropped (and the sender's tag says so).
    sys::task_give_cap(
        task,
        badged,
        slots::SUPERVISOR,
        Rights::SEND | Rights::GRANT,
    )?;
    sys::task_set_fault(task, badged)?;
    sys::endpoint_create(POOL, slots.own())?;
    sys::task_give_cap(task, slots.own(), slots::OWN, Rights::all())
}

/// Commits the page tables of a fixed region of a new process.
fn claim(tables: &mut Tables, start: u64, end: u64) -> Result<(), MemError> {
    tables
        .claim(start, end, FIXED)
        .map(drop)
        .map_err(|_| MemError::OutOfMemory)
}
