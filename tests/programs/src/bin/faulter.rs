//! Touches a heap page it has never touched; the memory server maps it on the page fault and
//! resumes it.
//! It keeps a capability in the last slot of its table meanwhile: a trap from user mode must leave
//! the task's kernel state as it was (the fuzzer once found the trap entry writing below the save
//! area, into that slot).
#![no_std]
#![no_main]

use userlib::abi::cap::CAP_SLOTS;
use userlib::{println, process, slots, sys, CapKind, CapSlot, Rights};

userlib::entry!(main);

/// The last slot of the capability table.
const LAST: CapSlot = CapSlot(CAP_SLOTS as u32 - 1);

fn main() -> i32 {
    if let Err(e) = sys::cap_copy(slots::OWN, LAST, Rights::all()) {
        println!("faulter: cannot copy its endpoint into the last slot: {e}");
        return 1;
    }
    let Ok(old_break) = process::sbrk(2 * 4096) else {
        println!("faulter: no heap");
        return 1;
    };
    let demand = old_break.next_multiple_of(4096);
    println!("faulter: touching {demand:#x}");
    let p = demand as *mut u64;
    // SAFETY: heap below the break that nothing has touched: no Rust object lives there, and the
    // memory server maps a zeroed, writable page on the fault and resumes us. Volatile, because
    // the memory appears behind the compiler's back.
    let value = unsafe {
        p.write_volatile(42);
        p.read_volatile()
    };
    if value != 42 {
        println!("faulter: read back {value}, expected 42");
        return 1;
    }
    println!("faulter: resumed after page fault, read back {value}");
    // Deleting it also gives back the reference it holds: init's census after the run checks that
    // every object's count matches the capabilities that name it.
    match (sys::cap_info(LAST), sys::cap_delete(LAST)) {
        (Ok(info), Ok(())) if info.kind == CapKind::Endpoint => {
            println!("faulter: the capability in the last slot is intact");
            0
        }
        other => {
            println!("faulter: the capability in the last slot changed: {other:?}");
            1
        }
    }
}
