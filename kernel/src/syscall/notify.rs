//! Notifications: create, signal, wait, poll, bind to the caller, destroy.
use super::{ensure, Args, Done, SysResult};
use crate::sched::Kernel;
use abi::{CapKind, Rights, SysError};

/// ORs the badge in (`Kernel::signal`: bit 0 for an unbadged capability).
pub fn signal(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::Notification, Rights::SEND)?;
    k.signal(cap.index, cap.badge);
    Ok(Done::Return)
}

pub fn wait(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::Notification, Rights::RECEIVE)?;
    k.wait(t, cap.index);
    Ok(Done::Blocked)
}

pub fn poll(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::Notification, Rights::RECEIVE)?;
    let bits = k.notifications.at_mut(cap.index).map_or(0, |n| n.take());
    k.results(t, [bits])
}

/// Binds the notification to the caller (one each way), until either goes.
pub fn bind(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::Notification, Rights::RECEIVE)?;
    let unbound = k.task(t).notification.is_none();
    let n = k.notifications.at_mut(cap.index);
    let n = n.ok_or(SysError::StaleCap)?;
    ensure(n.bound.is_none() && unbound, SysError::InUse)?;
    n.bound = Some(t);
    k.task(t).notification = Some(cap.index);
    Ok(Done::Return)
}
