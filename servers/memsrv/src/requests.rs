//! Requests from processes (`abi::memsrv::Request`): decoded here, each checked before it acts.
use crate::procs::State;
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
            Some(Request::Check) if pid == INIT_PID => Ok([self.check(), 0, 0, 0]),
            Some(Request::Check) => Err(MemError::BadRequest),
            Some(Request::FrameOf) => self.frame_of(pid, w[0]),
            // Only through the observer's endpoint (they reveal every process's frames).
            Some(Request::Processes | Request::Pages | Request::Caps) => Err(MemError::BadRequest),
            Some(Request::Wait) | None => {
                // Look-alikes of the kernel's notices end here too: only the kernel's mark
                // (checked before this) makes a message a notice.
                let name = self.name_of(pid);
                let label = msg.label();
                println!(
                    "memsrv: ignored message {label:#x} from {name} (pid {pid}): not a request"
                );
                Err(MemError::BadRequest)
            }
        };
        match result {
            Ok(words) => Outcome::Reply(words),
            Err(e) => Outcome::Refuse(e),
        }
    }

    /// WeensyOS's `page_alloc`: a fresh zeroed page at `addr`.
    fn page_alloc(&mut self, pid: u64, addr: u64) -> Result<(), MemError> {
        let space = self.space_of(pid)?;
        if !is_user_page(addr) || addr >= STACK_TOP {
            return Err(MemError::BadAddress);
        }
        self.charge(pid, 1)?;
        match sys::as_alloc(space, POOL, addr, PageRights::WRITE) {
            Ok(_) => {
                if let Some(p) = self.procs.get_mut(pid) {
                    p.regions.note_allocated(addr);
                }
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

    /// Moves the break, committing (or giving back) the pages between the old and the new one:
    /// pages below it appear when touched, pages above it are given back.
    fn sbrk(&mut self, pid: u64, increment: i64) -> Result<u64, MemError> {
        let space = self.space_of(pid)?;
        let r = &self.procs.get(pid).ok_or(MemError::NoChild)?.regions;
        let (start, old) = (r.heap_start, r.brk);
        let new = old
            .checked_add_signed(increment)
            .filter(|&b| b >= start && b <= STACK_TOP - crate::procs::STACK_MAX)
            .ok_or(MemError::BadAddress)?;
        let pages = |b: u64| (b.next_multiple_of(PAGE_SIZE) - start) / PAGE_SIZE;
        let (before, after) = (pages(old), pages(new));
        if after > before {
            self.charge(pid, after - before)?;
        }
        for page in
            (start + after * PAGE_SIZE..start + before * PAGE_SIZE).step_by(PAGE_SIZE as usize)
        {
            let _ = sys::as_release(space, page); // (a page never touched is not mapped)
        }
        self.uncharge(pid, before.saturating_sub(after));
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
