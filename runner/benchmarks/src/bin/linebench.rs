//! Measures Enter's path to a shell (make bench, docs/benchmarks.md): from the keyboard
//! controller raising IRQ 1 to the reader's `read_line` returning the line, as `sh` reads its
//! commands. The path is `keybench`'s (the keyboard driver, the input server) plus the line
//! editor: the server echoes the newline on the terminal (a serial write and the console page)
//! before it answers the waiting `ReadLine`. Each sample is an empty line: Enter alone.
#![no_std]
#![no_main]

use userlib::{input, println, rdtsc_ordered, slots, CapSlot, System, HZ};

userlib::entry!(main);

const WARMUP: usize = 20;
const SAMPLES: usize = 200;
const PORTS: CapSlot = CapSlot(8);
const KBD_DATA: u16 = 0x60;
const KBD_COMMAND: u16 = 0x64;
/// The press of Enter in scancode set 1.
const ENTER_PRESSED: u8 = 0x1C;

fn main() -> i32 {
    match measure() {
        Ok(ticks) => {
            println!(
                "bench: line_enter {ticks}: interrupt → the reader has the line (the keyboard \
                 driver, the input server's line editor and echo, the deferred reply)"
            );
            0
        }
        Err(why) => {
            println!("linebench: {why}");
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
        // Command 0xD2: the controller takes the next data byte as if the keyboard sent it.
        ports.outb(KBD_COMMAND, 0xD2).map_err(|_| "IoOut")?;
        let raised = rdtsc_ordered();
        ports.outb(KBD_DATA, ENTER_PRESSED).map_err(|_| "IoOut")?;
        let line = input::read_line(HZ as u32).map_err(|_| "no line came")?;
        let took = rdtsc_ordered().wrapping_sub(raised);
        if !line.is_empty() {
            return Err("another key came");
        }
        if let Some(slot) = i.checked_sub(WARMUP) {
            times[slot] = took;
        }
    }
    times.sort_unstable();
    Ok(times[SAMPLES / 2])
}
