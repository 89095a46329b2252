//! Host stand-ins for the hardware the kernel's memory code touches: physical memory is a buffer,
//! and TLB flushes are recorded (`invlpg` cannot run in user mode).
use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard};

#[repr(C, align(4096))]
struct Page([u8; 4096]);

/// Gives the calling test `frames` zeroed frames (numbered from 0) as physical memory. The guard
/// keeps the other tests that use it waiting until this one is done.
pub fn take_memory(frames: usize) -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let memory: &'static mut [Page] = Box::leak((0..frames).map(|_| Page([0; 4096])).collect());
    crate::mem::phys::set_window(memory.as_mut_ptr() as u64);
    guard
}

std::thread_local! {
    /// The pages `paging::flush` was asked to flush by this thread.
    pub static FLUSHED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// The pages flushed by this thread since the last call.
pub fn take_flushed() -> Vec<u64> {
    FLUSHED.with(|f| core::mem::take(&mut *f.borrow_mut()))
}
