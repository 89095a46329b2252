//! Requests from processes (`abi::memsrv::Request`): decoded here, each checked before it acts.
use crate::procs::State;
use crate::regions::STACK_MAX;
use crate::tables::{FIXED, HEAP};
use crate::{Outcome, Server, POOL};
use userlib::abi::memsrv::{unpack_name, ForkMode, MemError, Request, INIT_PID, WAIT_NOHANG};
use userlib::ipc::Received;
use userlib::layout::{is_user_page, PAGE_SIZE, STACK_TOP};
use userlib::{println, sys, PageRights, SysError};

impl Server {
    /// A request from the process the badge names.
    pub fn request(&mut self, msg: &Received) -> Outcome {
        let pid = msg.badge;
        let Some(p) = self.procs.get(pid) else {
            return Outcome::Refuse(MemError::BadRequest);
        };
        if !matches!(p.state, State::Live(_)) {
            return Outcome::Refuse(MemError::BadRequest);
        }
        let w = msg.msg.words;
        let result = match Request::from_raw(msg.label()) {
            Some(Request::PageAlloc) => self.page_alloc(pid, w[0]).map(|()| [0; 4]),
            Some(Request::Sbrk) => self.sbrk(pid, w[0] as i64).map(|old| [old, 0, 0, 0]),
            Some(Request::Fork) => match ForkMode::from_raw(w[0]) {
                Some(mode) => self.fork(pid, mode).map(|c| [c, 0, 0, 0]),
                None => Err(MemError::BadRequest),
            },
            Some(Request::Wait) if w[1] & !WAIT_NOHANG == 0 => {
                return self.wait(pid, msg.sender, w[0], w[1] & WAIT_NOHANG != 0)
            }
            Some(Request::GetPid) => Ok([pid, 0, 0, 0]),
            Some(Request::Spawn) => {
                let (name, len) = unpack_name([w[0], w[1]]);
                self.spawn(pid, &name[..len], w[2]).map(|c| [c, 0, 0, 0])
            }
            Some(Request::Kill) => self.kill(pid, w[0]).map(|()| [0; 4]),
            // Only init: a check walks every process's pages, so any process asking for it
            // again and again would hold the server up for everyone.
            Some(Request::Check) if pid == INIT_PID => Ok(self.check_report()),
            Some(Request::Check) => Err(MemError::BadRequest),
            Some(Request::FrameOf) => self.frame_of(pid, w[0]),
            Some(Request::NameService) => self.introduce(pid).map(|()| [0; 4]),
            // Only through the observer's endpoint (they reveal every process's frames).
            Some(Request::Processes | Request::Pages | Request::Caps) => Err(MemError::BadRequest),
            Some(Request::Wait) | None => {
                // Look-alikes of the kernel's notices end here too: only the kernel's mark
                // (checked before this) makes a message a notice.
                self.ignore(msg, "not a request");
                Err(MemError::BadRequest)
            }
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
    /// (committed with it: one page per GiB costs three frames, not one).
    fn page_alloc(&mut self, pid: u64, addr: u64) -> Result<(), MemError> {
        let space = self.space_of(pid)?;
        // Not the null page: a null pointer must stay a fault.
        if !is_user_page(addr) || !(PAGE_SIZE..STACK_TOP).contains(&addr) {
            return Err(MemError::BadAddress);
        }
        let p = self.procs.get(pid).ok_or(MemError::NoChild)?;
        let tables = p.tables.missing(addr, addr + PAGE_SIZE);
        self.charge(pid, 1 + tables)?;
        let claimed = match self.procs.get_mut(pid) {
            Some(p) => p.tables.claim(addr, addr + PAGE_SIZE, FIXED),
            None => Ok(0),
        };
        if claimed.is_err() {
            self.uncharge(pid, 1 + tables);
            return Err(MemError::OutOfMemory);
        }
        // (Tables stay claimed even if the page is refused: the kernel may have built them.)
        match sys::as_alloc_counted(space, POOL, addr, PageRights::WRITE) {
            Ok((_, tables)) => {
                if let Some(p) = self.procs.get_mut(pid) {
                    p.regions.note_allocated(addr);
                }
                self.tables_built(pid, tables);
                Ok(())
            }
            Err(e) => {
                self.uncharge(pid, 1);
                Err(match e {
                    SysError::OutOfMemory => MemError::OutOfMemory,
                    _ => MemError::BadAddress,
                })
            }
        }
    }

    /// Moves the break, committing (or giving back) the pages between the old and the new one and
    /// the page tables to map them: pages below it appear when touched, pages above it are unmapped
    /// and given back, so a heap grown again starts zeroed and committed afresh.
    fn sbrk(&mut self, pid: u64, increment: i64) -> Result<u64, MemError> {
        let space = self.space_of(pid)?;
        let p = self.procs.get(pid).ok_or(MemError::NoChild)?;
        let (start, old) = (p.regions.heap_start, p.regions.brk);
        let new = old
            .checked_add_signed(increment)
            .filter(|&b| b >= start && b <= STACK_TOP - STACK_MAX)
            .ok_or(MemError::BadAddress)?;
        let end = |b: u64| b.next_multiple_of(PAGE_SIZE);
        let (before, after) = (end(old), end(new));
        if after > before {
            let tables = p.tables.missing(before, after);
            let pages = (after - before) / PAGE_SIZE;
            self.charge(pid, pages + tables)?;
            let claimed = match self.procs.get_mut(pid) {
                Some(p) => p.tables.claim(before, after, HEAP),
                None => Ok(0),
            };
            if claimed.is_err() {
                self.uncharge(pid, pages + tables);
                return Err(MemError::OutOfMemory);
            }
        } else if after < before {
            for page in (after..before).step_by(PAGE_SIZE as usize) {
                let _ = sys::as_release(space, page); // (a page never touched is not mapped)
            }
            let freed = match self.procs.get_mut(pid) {
                Some(p) => p.tables.release(after, before, (start, after), HEAP),
                None => 0,
            };
            self.uncharge(pid, (before - after) / PAGE_SIZE + freed);
        }
        if let Some(p) = self.procs.get_mut(pid) {
            p.regions.brk = new;
        }
        Ok(old)
    }

    fn frame_of(&mut self, pid: u64, addr: u64) -> Result<[u64; 4], MemError> {
        let space = self.space_of(pid)?;
        let m =
            sys::as_mapping(space, addr & !(PAGE_SIZE - 1)).map_err(|_| MemError::BadAddress)?;
        Ok([m.frame, m.rights.bits(), m.maps, 0])
    }

    /// The address space of a live process the server runs (not init's).
    pub fn space_of(&self, pid: u64) -> Result<userlib::CapSlot, MemError> {
        let p = self.procs.get(pid).ok_or(MemError::NoChild)?;
        Ok(p.slots().ok_or(MemError::BadRequest)?.space())
    }
}
