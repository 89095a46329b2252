//! attack: an ordinary hostile program. It holds only what init gives every program (its
//! supervisor, the name service and its own endpoint) and runs the hostile case numbered by its
//! start argument (`attack:N` on the command line; `attack:N!` for the cases the kernel must kill).
//! The cases are in the files beside this one; `tests/tests/adversarial.rs` runs them all beside a bystander
//! and checks what each printed and what init reported.
//!
//! The cases, by family (one file each). Numbers: kernel memory and user page rights 1..,
//! privileged instructions 100.., RFLAGS and the stack pointer 200.., bad pointers 300..,
//! capability misuse 400.., notification misuse 450.., device calls 470.., IPC misuse 500.. (servers filled by clients that end 528..), cases
//! played by two or three instances together 600.., the memory server's protocol misused 700..
//! (some with `rogue`), the developer's terminal 800.., and every software-interrupt vector at
//! 1000 + vector.
#![no_std]
#![no_main]

mod caps;
mod console;
mod devices;
mod flags;
mod ipc;
mod memory;
mod memsrv;
mod notify;
mod pairs;
mod pointers;
mod privileged;
mod servers;
pub mod vectors;

use test_programs::hostile::case::Case;

pub const CASES: &[&[Case]] = &[
    memory::CASES,
    privileged::CASES,
    flags::CASES,
    pointers::CASES,
    caps::CASES,
    notify::CASES,
    devices::CASES,
    ipc::CASES,
    servers::CASES,
    pairs::CASES,
    memsrv::CASES,
    console::CASES,
];

use test_programs::hostile;
use userlib::println;

userlib::entry!(main);

fn main() -> i32 {
    let number = userlib::rt::start_args().0;
    // Many cases use the capability to the name service as an endpoint they hold: have it now
    // (a process gets it on first use of the service).
    let _ = userlib::names::endpoint();
    if let Some(vector) = vectors::vector_of(number) {
        return vectors::run(number, vector);
    }
    match hostile::case::find(CASES, number) {
        Some(case) => hostile::case::run("attack", case, userlib::process::getpid),
        None => {
            println!("attack: there is no case {number}");
            2
        }
    }
}
