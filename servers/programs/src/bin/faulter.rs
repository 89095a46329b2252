//! Touches an unmapped page in the demand-paging region; init maps it on the page fault and resumes.
#![no_std]
#![no_main]

use userlib::println;

userlib::entry!(main);

/// The demand-paging demo region (init maps pages there when they fault).
const DEMAND: u64 = 0x0000_2000_0000_0000;

fn main() -> i32 {
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
    0
}
