//! Copy, mint, delete and describe capabilities in the caller's own table.
use super::{Args, Done, SysResult};
use crate::obj::cap::CapTable;
use crate::sched::Kernel;
use abi::{Rights, SysError};

fn rights(mask: u64) -> Result<Rights, SysError> {
    Rights::from_bits(mask).ok_or(SysError::InvalidArgument)
}

pub fn copy(caps: &mut CapTable, a: &Args) -> Result<(), SysError> {
    let (src, dst, mask) = (a.0[0], a.0[1], rights(a.0[2])?);
    let cap = caps.get(src)?;
    caps.insert(dst, cap.diminished(mask))
}

pub fn mint(caps: &mut CapTable, a: &Args) -> Result<(), SysError> {
    let (src, dst, mask, badge) = (a.0[0], a.0[1], rights(a.0[2])?, a.0[3]);
    let minted = caps.get(src)?.minted(mask, badge)?;
    caps.insert(dst, minted)
}

pub fn delete(caps: &mut CapTable, a: &Args) -> Result<(), SysError> {
    caps.delete(a.0[0]).map(|_| ())
}

pub fn info(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.task(t).caps.get(a.0[0])?;
    // A capability whose object is gone reports `StaleCap` rather than describing a ghost.
    k.lookup(t, a.0[0], cap.kind, Rights::empty())?;
    let r = k.regs(t);
    r.rdi = cap.kind.raw();
    r.rsi = cap.rights.bits();
    r.rdx = cap.badge;
    Ok(Done::Return)
}
