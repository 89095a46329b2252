//! Copy, mint, delete and describe capabilities in the caller's own table.
use super::{Args, Done, SysResult};
use crate::sched::Kernel;
use abi::{Rights, SysError};

/// A rights mask from a register.
pub(super) fn rights(mask: u64) -> Result<Rights, SysError> {
    Rights::from_bits(mask).ok_or(SysError::InvalidArgument)
}

pub fn copy(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (src, dst, mask) = (a[0], a[1], rights(a[2])?);
    let cap = k.task(t).caps.get(src)?;
    k.insert_cap(t, dst, cap.diminished(mask))?;
    Ok(Done::Return)
}

pub fn mint(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (src, dst, mask, badge) = (a[0], a[1], rights(a[2])?, a[3]);
    let minted = k.task(t).caps.get(src)?.minted(mask, badge)?;
    k.insert_cap(t, dst, minted)?;
    Ok(Done::Return)
}

/// Empties a slot. If it held the last capability to an object, the object is reclaimed — which
/// may be the caller itself (its last task capability), which then never returns (`dispatch`
/// leaves a task that is gone alone).
pub fn delete(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.delete_cap(t, a[0])?;
    Ok(Done::Return)
}

pub fn info(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.task(t).caps.get(a[0])?;
    // A capability whose object is gone reports `StaleCap` rather than describing a ghost.
    k.lookup(t, a[0], cap.kind, Rights::empty())?;
    // Which object (r10): equal for every capability to it, never another's (generations retire),
    // so a holder can tell two capabilities to one endpoint apart from two endpoints (the name
    // service's limit per endpoint). An index and a count, no address.
    let object = cap.gen << 16 | cap.index as u64;
    k.results(t, [cap.kind.raw(), cap.rights.bits(), cap.badge, object])
}
