//! Starting the first server, init: the only ELF the kernel ever loads. Init gets the frame pool,
//! its own address space and task, the system capability, and the boot archive mapped read-only.
use crate::mem::{paging, phys};
use crate::obj::cap::Cap;
use crate::sched::Kernel;
use abi::bootfs::BootFs;
use abi::elf::{Elf, LoadTarget};
use abi::layout::{is_user_page, BOOTFS, IPC_BUFFER, PAGE_SIZE, STACK_TOP};
use abi::{ensure, init_slots, CapKind, PageRights, Rights, SysError};

/// Init's stack, in pages (it keeps its table of children on the stack).
const STACK_PAGES: u64 = 64;

/// Builds init's address space through the same page-table code the syscalls use.
pub struct Loader<'a> {
    k: &'a mut Kernel,
    space: u16,
}

impl Loader<'_> {
    /// Maps a fresh zeroed frame at `page`, or widens the rights of what is there.
    fn page(&mut self, page: u64, rights: PageRights) -> Result<(), SysError> {
        ensure(is_user_page(page), SysError::BadAddress)?;
        let mut tables = self.k.tables(self.space)?;
        let root = tables.root;
        match paging::lookup(root, page) {
            Some((_, flags)) => {
                paging::protect(tables.frames, root, page, paging::rights_of(flags) | rights)
            }
            None => tables.alloc(page, rights).map(drop),
        }
    }
}

impl LoadTarget for Loader<'_> {
    type Error = SysError;
    fn ensure_page(&mut self, page: u64, writable: bool, executable: bool) -> Result<(), SysError> {
        self.page(page, PageRights::for_segment(writable, executable))
    }
    /// Copies `bytes` to `vaddr`, whose pages must be mapped.
    fn write(&mut self, vaddr: u64, bytes: &[u8]) -> Result<(), SysError> {
        let root = self.k.spaces.at(self.space).map_or(0, |s| s.root);
        let mut done = 0;
        while done < bytes.len() {
            let a = vaddr + done as u64;
            let offset = (a % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - offset).min(bytes.len() - done);
            let (frame, _) =
                paging::lookup(root, a & !(PAGE_SIZE - 1)).ok_or(SysError::NotMapped)?;
            phys::write(frame, offset, &bytes[done..done + n]);
            done += n;
        }
        Ok(())
    }
}

/// Loads `name` from the boot archive into a new address space with an IPC buffer and a stack,
/// and creates its (stopped) task entering at the ELF entry point with `rdi`, `rsi` = `args`.
/// Returns capabilities with all rights to its address space and its task.
/// `extra` maps more of the image before the task is created (init's boot archive).
pub fn load(
    k: &mut Kernel,
    fs: &BootFs,
    name: &str,
    args: [u64; 2],
    extra: impl FnOnce(&mut Loader) -> Result<(), SysError>,
) -> Result<(Cap, Cap), &'static str> {
    // A page it could not map or a space it could not make: out of memory.
    let no_memory = |_: SysError| "out of memory";
    let file = fs.find(name).ok_or("no such program in the boot archive")?;
    let elf = Elf::parse(file.data).map_err(|_| "not a valid ELF executable")?;
    let (space, space_gen) = k.new_space().map_err(no_memory)?;
    let mut loader = Loader { k, space };
    elf.load(&mut loader)
        .map_err(|_| "does not fit in user space")?;
    extra(&mut loader).map_err(no_memory)?;
    let stack = (1..=STACK_PAGES).map(|i| STACK_TOP - i * PAGE_SIZE);
    for page in core::iter::once(IPC_BUFFER).chain(stack) {
        loader.page(page, PageRights::WRITE).map_err(no_memory)?;
    }
    let mut regs = crate::arch::entry::initial_user_regs();
    regs.rip = elf.entry();
    regs.rsp = STACK_TOP;
    [regs.rdi, regs.rsi] = args;
    let (task, task_gen) = k.new_task(space, regs).map_err(|_| "no task slot")?;
    let named = &mut k.task(task).name;
    let len = name.len().min(named.len());
    named[..len].copy_from_slice(&name.as_bytes()[..len]);
    let all = Rights::all();
    let space_cap = Cap::new(CapKind::AddressSpace, space, space_gen, all);
    Ok((space_cap, Cap::new(CapKind::Task, task, task_gen, all)))
}

/// Creates init from the boot archive and makes it ready to run.
pub fn start_init(k: &mut Kernel, archive: &[u8], fs: &BootFs) -> Result<(), &'static str> {
    let map_archive = |loader: &mut Loader| {
        for offset in (0..archive.len() as u64).step_by(PAGE_SIZE as usize) {
            loader.page(BOOTFS + offset, PageRights::empty())?;
        }
        loader.write(BOOTFS, archive)
    };
    let (space, task) = load(k, fs, "init", [BOOTFS, archive.len() as u64], map_archive)?;
    let all = Rights::all();
    let caps = [
        (init_slots::POOL, Cap::new(CapKind::FramePool, 0, 0, all)),
        (init_slots::SELF_SPACE, space),
        (init_slots::SELF_TASK, task),
        (init_slots::SYSTEM, Cap::new(CapKind::System, 0, 0, all)),
    ];
    for (slot, cap) in caps {
        k.insert_cap(task.index, slot.0 as u64, cap)
            .map_err(|_| "init's capability table")?;
    }
    k.make_ready(task.index, false);
    Ok(())
}
