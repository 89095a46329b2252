//! Requests from processes (`abi::memsrv::Request`): decoded and checked by the library
//! (`decode.rs`), committed in its books (`commit.rs`), then carried out with kernel calls here.
use crate::{Outcome, Server, POOL};
use memsrv::decode::{decode, spawn_args, Ask, Refused};
use userlib::abi::memsrv::MemError;
use userlib::abi::msg::{MAX_WORDS, REG_WORDS};
use userlib::ipc::{ipc_word, Received};
use userlib::layout::PAGE_SIZE;
use userlib::{println, sys, PageRights, SysError};

impl Server {
    /// A request from the process the badge names.
    pub fn request(&mut self, msg: &Received) -> Outcome {
        let pid = msg.badge;
        if !self.ledger.is_live(pid) {
            return Outcome::Refuse(MemError::BadRequest);
        }
        let ask = match decode(pid, msg.label(), msg.msg.words) {
            Ok(ask) => ask,
            Err(Refused::Refuse(e)) => return Outcome::Refuse(e),
            Err(Refused::NotARequest) => {
                // Look-alikes of the kernel's notices end here too: only the kernel's mark
                // (checked before this) makes a message a notice.
                self.ignore(msg, "not a request");
                return Outcome::Refuse(MemError::BadRequest);
            }
        };
        let result = match ask {
            Ask::PageAlloc { addr } => self.page_alloc(pid, addr).map(|()| [0; 4]),
            Ask::Sbrk { increment } => self.sbrk(pid, increment).map(|old| [old, 0, 0, 0]),
            Ask::Fork(mode) => self.fork(pid, mode).map(|c| [c, 0, 0, 0]),
            Ask::Wait { filter, nohang } => {
                return self.ledger.wait(pid, msg.sender, filter, nohang)
            }
            Ask::GetPid => Ok([pid, 0, 0, 0]),
            Ask::Spawn { name, len, arg } => self
                .spawn(pid, &name[..len], arg, &[])
                .map(|c| [c, 0, 0, 0]),
            Ask::SpawnArgs {
                name,
                len,
                arg,
                args_len,
            } => self
                .spawn_with_args(pid, msg, &name[..len], arg, args_len)
                .map(|c| [c, 0, 0, 0]),
            Ask::Processes { from } => return self.process_entry(from),
            Ask::Census => self.census(),
            Ask::Kill { pid: child } => self.kill(pid, child).map(|()| [0; 4]),
            Ask::Check => Ok(self.check_report()),
            Ask::FrameOf { addr } => self.frame_of(pid, addr),
            Ask::NameService => self.introduce(pid).map(|()| [0; 4]),
        };
        match result {
            Ok(words) => Outcome::Reply(words),
            Err(e) => Outcome::Refuse(e),
        }
    }

    /// Says that a message was not acted on, and why.
    pub fn ignore(&self, msg: &Received, why: &str) {
        let (pid, label) = (msg.badge, msg.label());
        let name = self.name_of(pid);
        println!("memsrv: ignored message {label:#x} from {name} (pid {pid}): {why}");
    }

    /// WeensyOS's `page_alloc`: a fresh zeroed page at `addr`, and the page tables to reach it
    /// (committed with it: `Ledger::commit_page`).
    fn page_alloc(&mut self, pid: u64, addr: u64) -> Result<(), MemError> {
        let space = self.space_of(pid)?;
        self.ledger.commit_page(pid, addr)?;
        match sys::as_alloc_counted(space, POOL, addr, PageRights::WRITE) {
            Ok((_, tables)) => {
                if let Some(p) = self.ledger.procs.get_mut(pid) {
                    p.regions.note_allocated(addr);
                }
                self.tables_built(pid, tables);
                Ok(())
            }
            Err(e) => {
                self.ledger.uncharge(pid, 1);
                Err(match e {
                    SysError::OutOfMemory => MemError::OutOfMemory,
                    _ => MemError::BadAddress,
                })
            }
        }
    }

    /// Moves the break (`Ledger::move_break`): pages below it appear when touched; pages above
    /// a lowered one are unmapped, so a heap grown again starts zeroed.
    fn sbrk(&mut self, pid: u64, increment: i64) -> Result<u64, MemError> {
        let space = self.space_of(pid)?;
        let moved = self.ledger.move_break(pid, increment)?;
        if let Some((start, end)) = moved.released {
            for page in (start..end).step_by(PAGE_SIZE as usize) {
                let _ = sys::as_release(space, page); // (a page never touched is not mapped)
            }
        }
        Ok(moved.old)
    }

    /// `SpawnArgs`: the string checked (`spawn_args`) from the words after the registers.
    fn spawn_with_args(
        &mut self,
        pid: u64,
        msg: &Received,
        name: &[u8],
        arg: u64,
        args_len: u64,
    ) -> Result<u64, MemError> {
        let words = msg.msg.tag.words();
        let mut extra = [0u64; MAX_WORDS - REG_WORDS];
        for (i, w) in extra
            .iter_mut()
            .enumerate()
            .take(words.saturating_sub(REG_WORDS))
        {
            *w = ipc_word(REG_WORDS + i);
        }
        let (args, len) = spawn_args(words, args_len, &extra)?;
        self.spawn(pid, name, arg, &args[..len])
    }

    fn frame_of(&mut self, pid: u64, addr: u64) -> Result<[u64; 4], MemError> {
        let space = self.space_of(pid)?;
        let m =
            sys::as_mapping(space, addr & !(PAGE_SIZE - 1)).map_err(|_| MemError::BadAddress)?;
        Ok([m.frame, m.rights.bits(), m.maps, 0])
    }

    /// The address space of a live process the server runs (not init's).
    pub fn space_of(&self, pid: u64) -> Result<userlib::CapSlot, MemError> {
        let p = self.ledger.procs.get(pid).ok_or(MemError::NoChild)?;
        Ok(p.slots().ok_or(MemError::BadRequest)?.space())
    }
}
