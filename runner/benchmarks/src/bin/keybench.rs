//! Measures a key's whole path (make bench, docs/benchmarks.md): from the keyboard controller
//! raising IRQ 1 to the reader's `read_key` returning the key. The kernel masks the line and
//! signals the keyboard driver (`servers/drivers`), which reads the controller, decodes the
//! scancode, acknowledges the line and calls the input server (`Typed`), which answers the
//! reader's waiting `ReadKey` (a deferred reply). We hold the focus and make the key ourselves:
//! command 0xD2 makes the controller take the next data byte as if the keyboard sent it.
#![no_std]
#![no_main]

use userlib::abi::input::Key;
use userlib::{input, println, rdtsc_ordered, slots, CapSlot, System, HZ};

userlib::entry!(main);

const WARMUP: usize = 20;
const SAMPLES: usize = 200;
const PORTS: CapSlot = CapSlot(8);
const KBD_DATA: u16 = 0x60;
const KBD_COMMAND: u16 = 0x64;
/// The press of `a` in scancode set 1.
const A_PRESSED: u8 = 0x1E;

fn main() -> i32 {
    match measure() {
        Ok(ticks) => {
            println!(
                "bench: key_path {ticks}: interrupt → the reader has the key (the keyboard \
                 driver, the input server, the deferred reply)"
            );
            0
        }
        Err(why) => {
            println!("keybench: {why}");
            1
        }
    }
}

fn measure() -> Result<u64, &'static str> {
    input::focus().map_err(|_| "no input server")?;
    let ports = System(slots::DEVICE)
        .io_ports(KBD_DATA, (KBD_COMMAND - KBD_DATA + 1) as u64, PORTS)
        .map_err(|_| "no keyboard ports")?;
    let mut times = [0u64; SAMPLES];
    for i in 0..WARMUP + SAMPLES {
        ports.outb(KBD_COMMAND, 0xD2).map_err(|_| "IoOut")?;
        let raised = rdtsc_ordered();
        ports.outb(KBD_DATA, A_PRESSED).map_err(|_| "IoOut")?;
        let key = input::read_key(HZ as u32).map_err(|_| "no key came")?;
        let took = rdtsc_ordered().wrapping_sub(raised);
        if key.key != Key::Char('a') {
            return Err("another key came");
        }
        if let Some(slot) = i.checked_sub(WARMUP) {
            times[slot] = took;
        }
    }
    times.sort_unstable();
    Ok(times[SAMPLES / 2])
}
