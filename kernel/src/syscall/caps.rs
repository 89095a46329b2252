//! Copy, mint, delete and describe capabilities in the caller's own table; create and destroy the
//! objects made from the pool alone (endpoints and notifications).
use super::{Args, Done, SysResult};
use crate::obj::cap::Cap;
use crate::obj::endpoint::Endpoint;
use crate::obj::notification::Notification;
use crate::sched::Kernel;
use abi::{CapKind, Rights, SysError};

/// A rights mask from a register.
pub(super) fn rights(mask: u64) -> Result<Rights, SysError> {
    Rights::from_bits(mask).ok_or(SysError::InvalidArgument)
}

/// `EndpointCreate` / `NotificationCreate(pool, dst)`: a new object of `kind`, every right to it
/// in `dst`.
pub fn create(k: &mut Kernel, t: u16, a: &Args, kind: CapKind) -> SysResult {
    k.lookup(t, a[0], CapKind::FramePool, Rights::MAP)?;
    k.task(t).caps.check_empty(a[1])?;
    let ((index, gen), grant) = match kind {
        CapKind::Endpoint => (k.endpoints.alloc(Endpoint::new())?, Rights::GRANT),
        _ => (k.notifications.alloc(Notification::new())?, Rights::empty()),
    };
    let rights = Rights::SEND | Rights::RECEIVE | Rights::CONTROL | grant;
    // Cannot fail: the slot was checked empty and nothing ran since.
    let _ = k.insert_cap(t, a[1], Cap::new(kind, index, gen, rights));
    Ok(Done::Return)
}

/// `EndpointDestroy` / `NotificationDestroy`: the waiting tasks wake with `PeerDied`.
pub fn destroy(k: &mut Kernel, t: u16, a: &Args, kind: CapKind) -> SysResult {
    let cap = k.lookup(t, a[0], kind, Rights::CONTROL)?;
    k.destroy(kind, cap.index);
    Ok(Done::Return)
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
