#![no_std]
#![no_main]
userlib::entry!(main);
fn main() -> i32 {
    0
}
