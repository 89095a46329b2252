//! Devices in user space: interrupt handlers (a line bound to a notification; the kernel masks the
//! line when it fires and signals, `IrqAck` unmasks it), I/O ports read and written by syscall, and
//! device memory (the framebuffer; mapped by `AsMapDevice`). All are made from the system
//! capability with `DEVICE`; the kernel's own lines and ports (`abi::device`) are never handed out.
use super::{ensure, Args, Done, SysResult};
use crate::arch::cpu;
use crate::irq;
use crate::mem::frames::FrameState;
use crate::obj::cap::Cap;
use crate::obj::irq::IrqHandler;
use crate::sched::Kernel;
use abi::device::{
    kernel_keeps, port_range, valid_width, FRAMEBUFFER, IRQ_LINES, KERNEL_IRQ_LINES,
};
use abi::{CapKind, Rights, SysError};

/// `IrqHandlerCreate(system, line, dest)`: the line's one handler (until its last capability goes).
pub fn irq_create(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::System, Rights::DEVICE)?;
    ensure(a[1] < IRQ_LINES, SysError::InvalidArgument)?;
    let line = a[1] as u16;
    ensure(KERNEL_IRQ_LINES & 1 << line == 0, SysError::InUse)?;
    k.task(t).caps.check_empty(a[2])?;
    let gen = k.irq_handlers.alloc_at(line, IrqHandler { target: None })?;
    let cap = Cap::new(CapKind::IrqHandler, line, gen, Rights::CONTROL);
    // Cannot fail: the slot was checked empty and nothing ran since.
    let _ = k.insert_cap(t, a[2], cap);
    Ok(Done::Return)
}

/// `IrqSetNotification(handler, notification)`: the line signals the notification capability's
/// badge (`Kernel::signal`: bit 0 if unbadged) and is unmasked.
pub fn irq_set_notification(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let handler = k.lookup(t, a[0], CapKind::IrqHandler, Rights::CONTROL)?;
    let n = k.lookup(t, a[1], CapKind::Notification, Rights::SEND)?;
    if let Some(h) = k.irq_handlers.at_mut(handler.index) {
        h.target = Some((n.index, n.gen, n.badge));
    }
    irq::unmask(handler.index);
    Ok(Done::Return)
}

/// `IrqAck(handler)`: the interrupt is handled; unmask the line (bound to a live notification).
pub fn irq_ack(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let handler = k.lookup(t, a[0], CapKind::IrqHandler, Rights::CONTROL)?;
    let target = k.irq_handlers.at(handler.index).and_then(|h| h.target);
    let (n, gen, _) = target.ok_or(SysError::InvalidArgument)?;
    k.notifications.get(n, gen)?;
    irq::unmask(handler.index);
    Ok(Done::Return)
}

/// `IoPortCreate(system, first, count, dest)`: ports `first..first + count`, none the kernel's.
/// The capability holds the range (index: first; generation: count); it has no object.
pub fn io_create(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::System, Rights::DEVICE)?;
    let (first, last) = port_range(a[1], a[2]).ok_or(SysError::InvalidArgument)?;
    ensure(!kernel_keeps(first, last), SysError::InUse)?;
    let rights = Rights::READ | Rights::CONTROL;
    k.insert_cap(t, a[3], Cap::new(CapKind::IoPorts, first, a[2], rights))?;
    Ok(Done::Return)
}

/// The port `a[1]`, `a[2]` bytes wide, if it lies within the capability's range.
fn port(cap: &Cap, a: &Args) -> Result<u16, SysError> {
    let (first, count) = (cap.index as u64, cap.gen);
    let inside = a[1] >= first && a[1].saturating_add(a[2]) <= first + count;
    ensure(valid_width(a[2]) && inside, SysError::InvalidArgument).map(|_| a[1] as u16)
}

/// `IoIn(ports, port, width)`: the value read, in `rdi`.
pub fn io_in(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::IoPorts, Rights::READ)?;
    let port = port(&cap, a)?;
    k.results(t, [cpu::port_in(port, a[2]) as u64])
}

/// `IoOut(ports, port, width, value)`: `value` must fit the width.
pub fn io_out(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::IoPorts, Rights::CONTROL)?;
    let port = port(&cap, a)?;
    ensure(a[3] >> (8 * a[2]) == 0, SysError::InvalidArgument)?;
    cpu::port_out(port, a[2], a[3] as u32);
    Ok(Done::Return)
}

/// `DeviceFramesCreate(system, device, dest)`: a capability to map the device's memory (index: the
/// device); its geometry in the result registers. `NotMapped`: the machine has no such device.
/// Only memory the kernel knows, none of which the frame table calls RAM.
pub fn frames_create(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::System, Rights::DEVICE)?;
    ensure(a[1] == FRAMEBUFFER, SysError::InvalidArgument)?;
    let device = k.framebuffer.ok_or(SysError::NotMapped)?;
    let mut frames = device.first..device.first + device.pages();
    let ram = frames.any(|f| !matches!(k.frames.state(f), None | Some(FrameState::Unusable)));
    ensure(!ram, SysError::BadFrame)?;
    let cap = Cap::new(CapKind::DeviceFrames, a[1] as u16, 0, Rights::MAP);
    k.insert_cap(t, a[2], cap)?;
    k.results(t, device.geometry)
}

impl Kernel {
    /// Signals the notification bound to each line in `lines` (they fired and were masked). A line
    /// without a handler or a live notification stays masked, and is counted.
    pub fn deliver_irqs(&mut self, lines: u16) {
        for line in (0..IRQ_LINES as u16).filter(|l| lines & 1 << l != 0) {
            match self.irq_target(line) {
                Some((n, badge)) => self.signal(n, badge),
                None => self.irqs_dropped += 1,
            }
        }
    }
}
