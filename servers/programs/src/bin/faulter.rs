//! Touches an unmapped page in the demand-paging region; init maps it on the page fault and resumes.
//! It keeps a capability in the last slot of its table meanwhile: a trap from user mode must leave
//! the task's kernel state as it was (the fuzzer once found the trap entry writing below the save
//! area, into that slot).
#![no_std]
#![no_main]

use userlib::abi::cap::CAP_SLOTS;
use userlib::{println, slots, sys, CapKind, CapSlot, Rights};

userlib::entry!(main);

/// The demand-paging demo region (init maps pages there when they fault).
const DEMAND: u64 = 0x0000_2000_0000_0000;

/// The last slot of the capability table.
const LAST: CapSlot = CapSlot(CAP_SLOTS as u32 - 1);

fn main() -> i32 {
    if let Err(e) = sys::cap_copy(slots::OWN, LAST, Rights::all()) {
        println!("faulter: cannot copy its endpoint into the last slot: {e}");
        return 1;
    }
    println!("faulter: touching {DEMAND:#x}");
    let p = DEMAND as *mut u64;
    // SAFETY: the layout reserves this region for demand paging: no Rust object lives there, and
    // init maps a zeroed, writable page on the fault and resumes us. Volatile, because the memory
    // appears behind the compiler's back.
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
