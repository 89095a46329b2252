//! The server's processes and the name service (through the server's unbadged capability,
//! `slots::NAMES`). A process gets its own capability to the service, badged with its pid, on
//! first use (`Request::NameService`); the service hears then that it exists (its pid, job and
//! program: it limits names and lookups per job and reserves names by program), and hears again
//! when it ends (its names and held lookups go, and servers asking about their clients learn it).
//! A process that never uses the service (a fork child, most of the time) costs it nothing. Both
//! are notices, sent without waiting for an answer; the service only receives and replies, so
//! they never leave the server waiting on a program.
use crate::{Server, TEMP};
use userlib::abi::memsrv::MemError;
use userlib::names::system;
use userlib::{println, slots, sys, Endpoint, Rights};

const SERVICE: Endpoint = Endpoint(slots::NAMES);

impl Server {
    /// Gives process `pid` its capability to the name service (into its empty `slots::NAMES`),
    /// telling the service about it the first time.
    pub fn introduce(&mut self, pid: u64) -> Result<(), MemError> {
        let p = self.ledger.procs.get(pid).ok_or(MemError::BadRequest)?;
        let slots = p.slots().ok_or(MemError::BadRequest)?;
        let (job, named) = (p.job, p.named);
        sys::cap_mint(slots::NAMES, TEMP, Rights::SEND | Rights::GRANT, pid)
            .map_err(|_| MemError::OutOfMemory)?;
        let given = sys::task_give_cap(slots.task(), TEMP, slots::NAMES, Rights::all());
        let _ = sys::cap_delete(TEMP);
        given.map_err(|_| MemError::BadRequest)?;
        if !named {
            if let Err(e) = system::started(SERVICE, pid, job, &self.name_of(pid)) {
                println!("memsrv: cannot tell the name service pid {pid} starts: {e:?}");
            }
            if let Some(p) = self.ledger.procs.get_mut(pid) {
                p.named = true;
            }
        }
        Ok(())
    }
}

/// Once its task is destroyed: no request of it can reach the service after this.
pub fn ended(pid: u64) {
    if let Err(e) = system::ended(SERVICE, pid) {
        println!("memsrv: cannot tell the name service pid {pid} ended: {e:?}");
    }
}
