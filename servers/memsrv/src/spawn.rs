//! Starting a program from the boot archive as a new process, and what every process starts
//! with: its capabilities (the server's endpoint and the name service, badged with its pid, an
//! endpoint of its own) and the server as its fault endpoint.
use crate::{Server, POOL, SERVICE, TEMP};
use memsrv::image::Image;
use memsrv::procs::Slots;
use userlib::abi::elf::Elf;
use userlib::abi::memsrv::MemError;
use userlib::abi::registry;
use userlib::layout::{ARGS, IPC_BUFFER, STACK_TOP};
use userlib::load::Loader;
use userlib::{slots, sys, CapSlot, PageRights, Rights, SysError, UserRegs};

impl Server {
    /// `Spawn`: loads `name` and starts it as a child of `parent`; returns its pid. A program
    /// init starts is a new job; one a process starts joins that process's job.
    /// `args`: the argument string (checked), written where `userlib::process::args` reads it.
    pub fn spawn(
        &mut self,
        parent: u64,
        name: &[u8],
        arg: u64,
        args: &[u8],
    ) -> Result<u64, MemError> {
        let name_str = core::str::from_utf8(name).map_err(|_| MemError::NoSuchProgram)?;
        if self.is_system(name_str) {
            // Init and the servers it starts need what only the kernel and init give them.
            return Err(MemError::NoSuchProgram);
        }
        let file = self.fs.find(name_str).ok_or(MemError::NoSuchProgram)?;
        let elf = Elf::parse(file.data).map_err(|_| MemError::NoSuchProgram)?;
        let job = self.ledger.admit(parent)?;
        let image = Image::of(elf.segments())?;
        let (regions, tables) = (image.regions, image.tables);
        let child = self
            .ledger
            .add_child(parent, job, name, regions, tables, image.committed)?;
        let result = match child.committed {
            true => self.load_and_start(child.pid, child.slots, &elf, name_str, (arg, args)),
            false => Err(SysError::OutOfMemory),
        };
        self.settle(child.pid, result, MemError::NoSuchProgram)
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
        (arg, args): (u64, &[u8]),
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
        if !args.is_empty() {
            // In the IPC buffer's page (already charged), past anything a message reaches.
            loader.copy(ARGS, &(args.len() as u64).to_le_bytes())?;
            loader.copy(ARGS + 8, args)?;
        }
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
        if let Some(p) = self.ledger.procs.get_mut(pid) {
            p.task_id = userlib::abi::split_task_id(task_id).0 as u64; // notices name the task by its index
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
        if self.destroy(pid) {
            let wakes = self.ledger.abandon(pid);
            crate::lifecycle::answer(wakes);
        }
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
