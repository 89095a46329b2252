//! attack: an ordinary hostile program. It holds only what init gives every program (its
//! supervisor, the name service and its own endpoint) and runs the hostile case numbered by its
//! start argument (`attack:N` on the command line; `attack:N!` for the cases the kernel must kill).
//! The cases are in `src/attack/`; `tests/tests/adversarial.rs` runs them all beside a bystander
//! and checks what each printed and what init reported.
#![no_std]
#![no_main]

#[path = "../attack/mod.rs"]
mod attack;
#[path = "../protocol/counter.rs"]
mod counter_protocol;
#[path = "../hostile/mod.rs"]
mod hostile;

use userlib::println;

userlib::entry!(main);

fn main() -> i32 {
    let number = userlib::rt::start_args().0;
    if let Some(vector) = attack::vectors::vector_of(number) {
        return attack::vectors::run(number, vector);
    }
    match hostile::case::find(attack::CASES, number) {
        Some(case) => hostile::case::run("attack", case, userlib::process::getpid),
        None => {
            println!("attack: there is no case {number}");
            2
        }
    }
}
