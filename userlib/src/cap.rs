//! Typed capability handles. Each wraps the slot holding the capability; the methods are the
//! syscalls that capability kind allows. The handles are plain slot numbers: copying one does not
//! copy the capability (use [`Endpoint::copy_to`] and friends for that).
//!
//! Every program starts with [`supervisor`], [`names`] and [`own`] filled (`abi::slots`); the
//! slots from `slots::FIRST_FREE` (8) on are its own to use.
//!
//! ```ignore
//! use userlib::{cap, CapKind, CapSlot, Rights};
//!
//! # fn f() -> userlib::Result<()> {
//! let own = cap::own(); // send, receive and grant on the program's own endpoint
//! // Less authority for someone else: a send-only copy, badged 42 so the server knows who calls.
//! let for_helper = own.mint(CapSlot(9), Rights::SEND, 42)?;
//! let info = for_helper.info()?;
//! assert_eq!((info.kind, info.rights, info.badge), (CapKind::Endpoint, Rights::SEND, 42));
//! // ... hand slot 9 on in a message (`Endpoint::send_long`, `Call::reply_with_cap`) ...
//! for_helper.delete()?; // empties slot 9; the endpoint itself lives on
//! # Ok(())
//! # }
//! ```

use crate::ipc::{ipc_word, set_ipc_word};
use crate::sys::{self, CapInfo, Census};
use crate::Result;
use abi::cap::slots;
use abi::qemu::ExitCode;
use abi::regs::UserRegs;
use abi::{CapSlot, PageRights, Rights};

/// Operations every capability supports, whatever its kind.
macro_rules! common_cap_ops {
    ($t:ident) => {
        impl $t {
            /// The slot this handle names.
            #[inline]
            pub const fn slot(self) -> CapSlot {
                self.0
            }
            /// What the slot holds (kind, rights, badge).
            #[inline]
            pub fn info(self) -> Result<CapInfo> {
                sys::cap_info(self.0)
            }
            /// Copies the capability to the empty slot `dst`, keeping only the rights in `mask`.
            #[inline]
            pub fn copy_to(self, dst: CapSlot, mask: Rights) -> Result<$t> {
                sys::cap_copy(self.0, dst, mask).map(|()| $t(dst))
            }
            /// Empties the slot.
            #[inline]
            pub fn delete(self) -> Result<()> {
                sys::cap_delete(self.0)
            }
        }
    };
}

/// A synchronous IPC endpoint (IPC methods are in [`crate::ipc`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint(pub CapSlot);
common_cap_ops!(Endpoint);

/// The frame pool: allocating frames and paying for kernel objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramePool(pub CapSlot);
common_cap_ops!(FramePool);

/// An address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressSpace(pub CapSlot);
common_cap_ops!(AddressSpace);

/// A task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task(pub CapSlot);
common_cap_ops!(Task);

/// The system capability (shutdown, frame census).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct System(pub CapSlot);
common_cap_ops!(System);

/// A notification: a word of bits that holders with `SEND` signal (each ORs its badge in) and a
/// holder with `RECEIVE` waits for, polls, or binds to itself (`docs/syscalls.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification(pub CapSlot);
common_cap_ops!(Notification);

/// One interrupt line: bound to a notification, acknowledged by its driver (`docs/syscalls.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrqHandler(pub CapSlot);
common_cap_ops!(IrqHandler);

/// A range of I/O ports, read and written by syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoPorts(pub CapSlot);
common_cap_ops!(IoPorts);

/// The endpoint to this program's supervisor (the memory server, for a process).
#[inline]
pub const fn supervisor() -> Endpoint {
    Endpoint(slots::SUPERVISOR)
}

/// The endpoint to the name service ([`crate::names`]).
#[inline]
pub const fn names() -> Endpoint {
    Endpoint(slots::NAMES)
}

/// This program's own endpoint.
#[inline]
pub const fn own() -> Endpoint {
    Endpoint(slots::OWN)
}

impl Endpoint {
    /// Copies this unbadged endpoint to `dst` with `badge`, keeping the rights in `mask`.
    #[inline]
    pub fn mint(self, dst: CapSlot, mask: Rights, badge: u64) -> Result<Endpoint> {
        sys::cap_mint(self.0, dst, mask, badge).map(|()| Endpoint(dst))
    }
    /// Destroys the endpoint itself (every capability to it); waiting tasks wake with `PeerDied`.
    #[inline]
    pub fn destroy(self) -> Result<()> {
        sys::endpoint_destroy(self.0)
    }
}

impl Notification {
    /// Copies this unbadged notification to `dst` with `badge` (the bits its signals set),
    /// keeping the rights in `mask`.
    #[inline]
    pub fn mint(self, dst: CapSlot, mask: Rights, badge: u64) -> Result<Notification> {
        sys::cap_mint(self.0, dst, mask, badge).map(|()| Notification(dst))
    }
    /// ORs this capability's badge (bit 0 if unbadged) into the bits, waking a waiter.
    #[inline]
    pub fn signal(self) -> Result<()> {
        sys::signal(self.0)
    }
    /// Blocks until some bits are set; returns them and clears them.
    #[inline]
    pub fn wait(self) -> Result<u64> {
        sys::wait(self.0)
    }
    /// The bits set (maybe none), cleared, without blocking.
    #[inline]
    pub fn poll(self) -> Result<u64> {
        sys::poll(self.0)
    }
    /// Binds the notification to the calling task, so that its receives on any endpoint also
    /// return the bits ([`crate::ipc::Received::notified`]; a typed server's
    /// [`crate::rpc::Server::notified`]). One each way, until either goes.
    #[inline]
    pub fn bind(self) -> Result<()> {
        sys::notification_bind(self.0)
    }
    /// Destroys the notification itself; waiting tasks wake with `PeerDied`.
    #[inline]
    pub fn destroy(self) -> Result<()> {
        sys::notification_destroy(self.0)
    }
}

impl System {
    /// The capability for interrupt line `line` in slot `dst` (needs `DEVICE`).
    #[inline]
    pub fn irq_handler(self, line: u64, dst: CapSlot) -> Result<IrqHandler> {
        sys::irq_handler_create(self.0, line, dst).map(|()| IrqHandler(dst))
    }
    /// The capability for ports `first..first + count` in slot `dst` (needs `DEVICE`).
    #[inline]
    pub fn io_ports(self, first: u16, count: u64, dst: CapSlot) -> Result<IoPorts> {
        sys::io_port_create(self.0, first, count, dst).map(|()| IoPorts(dst))
    }
}

impl IrqHandler {
    /// Binds the line to `n` (it signals `n`'s badge) and unmasks it.
    #[inline]
    pub fn set_notification(self, n: Notification) -> Result<()> {
        sys::irq_set_notification(self.0, n.0)
    }
    /// The interrupt is handled: unmask the line.
    #[inline]
    pub fn ack(self) -> Result<()> {
        sys::irq_ack(self.0)
    }
}

impl IoPorts {
    /// Reads a byte.
    #[inline]
    pub fn inb(self, port: u16) -> Result<u8> {
        sys::io_in(self.0, port, 1).map(|v| v as u8)
    }
    /// Writes a byte.
    #[inline]
    pub fn outb(self, port: u16, value: u8) -> Result<()> {
        sys::io_out(self.0, port, 1, value as u32)
    }
}

impl FramePool {
    /// A zeroed frame; returns its number.
    #[inline]
    pub fn alloc(self) -> Result<u64> {
        sys::frame_alloc(self.0)
    }
    /// Returns an unmapped frame.
    #[inline]
    pub fn free(self, frame: u64) -> Result<()> {
        sys::frame_free(self.0, frame)
    }
    /// A new endpoint in slot `dst`.
    #[inline]
    pub fn create_endpoint(self, dst: CapSlot) -> Result<Endpoint> {
        sys::endpoint_create(self.0, dst).map(|()| Endpoint(dst))
    }
    /// A new notification in slot `dst` (signal, wait and destroy rights; no bits set).
    #[inline]
    pub fn create_notification(self, dst: CapSlot) -> Result<Notification> {
        sys::notification_create(self.0, dst).map(|()| Notification(dst))
    }
    /// A new, empty address space in slot `dst`.
    #[inline]
    pub fn create_address_space(self, dst: CapSlot) -> Result<AddressSpace> {
        sys::as_create(self.0, dst).map(|()| AddressSpace(dst))
    }
}

impl AddressSpace {
    /// Maps `frame` of `pool` at `vaddr`.
    #[inline]
    pub fn map(self, pool: FramePool, frame: u64, vaddr: u64, rights: PageRights) -> Result<()> {
        sys::as_map(self.0, pool.0, frame, vaddr, rights)
    }
    /// Removes the mapping at `vaddr`; returns its frame.
    #[inline]
    pub fn unmap(self, vaddr: u64) -> Result<u64> {
        sys::as_unmap(self.0, vaddr)
    }
    /// Changes the rights of the mapping at `vaddr`.
    #[inline]
    pub fn protect(self, vaddr: u64, rights: PageRights) -> Result<()> {
        sys::as_protect(self.0, vaddr, rights)
    }
    /// The frame and rights mapped at `vaddr`.
    #[inline]
    pub fn query(self, vaddr: u64) -> Result<(u64, PageRights)> {
        sys::as_query(self.0, vaddr)
    }
    /// The mapped pages of `[start, end)`, a bounded step of them ([`sys::as_pages`]).
    #[inline]
    pub fn pages(self, start: u64, end: u64) -> Result<sys::Listed> {
        sys::as_pages(self.0, start, end)
    }
    /// Destroys the address space (no task may use it).
    #[inline]
    pub fn destroy(self) -> Result<()> {
        sys::as_destroy(self.0)
    }
    /// A new stopped task in this address space, in slot `dst`; also returns its task id.
    #[inline]
    pub fn create_task(self, dst: CapSlot) -> Result<(Task, u64)> {
        sys::task_create(self.0, dst).map(|id| (Task(dst), id))
    }
}

impl Task {
    /// The task's registers (through the caller's IPC buffer, which must be mapped).
    #[inline]
    pub fn read_regs(self) -> Result<UserRegs> {
        sys::task_read_regs(self.0)?;
        let mut w = [0; UserRegs::WORDS];
        for (i, x) in w.iter_mut().enumerate() {
            *x = ipc_word(i);
        }
        Ok(UserRegs::from_words(&w))
    }
    /// Sets a stopped task's registers (through the caller's IPC buffer, which must be mapped).
    #[inline]
    pub fn write_regs(self, regs: &UserRegs) -> Result<()> {
        for (i, x) in regs.to_words().into_iter().enumerate() {
            set_ipc_word(i, x);
        }
        sys::task_write_regs(self.0)
    }
    /// Makes the task runnable.
    #[inline]
    pub fn start(self) -> Result<()> {
        sys::task_start(self.0)
    }
    /// Stops the task.
    #[inline]
    pub fn stop(self) -> Result<()> {
        sys::task_stop(self.0)
    }
    /// Destroys the task.
    #[inline]
    pub fn destroy(self) -> Result<()> {
        sys::task_destroy(self.0)
    }
    /// Makes (a copy of) `ep` the task's fault endpoint.
    #[inline]
    pub fn set_fault(self, ep: Endpoint) -> Result<()> {
        sys::task_set_fault(self.0, ep.0)
    }
    /// Names the task for diagnostics and debuggers (see [`sys::task_set_name`]).
    #[inline]
    pub fn set_name(self, name: &str) -> Result<()> {
        sys::task_set_name(self.0, name)
    }
    /// Copies the caller's capability in `src` into the task's slot `dst`, keeping `mask`'s rights.
    #[inline]
    pub fn give_cap(self, src: CapSlot, dst: CapSlot, mask: Rights) -> Result<()> {
        sys::task_give_cap(self.0, src, dst, mask)
    }
}

impl System {
    /// Ends the whole system; returns only if the kernel refused.
    #[inline]
    pub fn shutdown(self, code: ExitCode) -> Result<()> {
        sys::shutdown(self.0, code)
    }
    /// Counts frames by state.
    #[inline]
    pub fn census(self) -> Result<Census> {
        sys::frame_census(self.0)
    }
}
