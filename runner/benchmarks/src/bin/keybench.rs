//! Measures a key's way to its reader (make bench, docs/benchmarks.md), from the keyboard
//! controller raising IRQ 1:
//! - `key_path`: to the reader's `read_key` returning the key. The kernel masks the line and
//!   signals the keyboard driver (`servers/drivers`), which reads the controller, decodes the
//!   scancode, acknowledges the line and calls the input server (`Typed`), which answers the
//!   reader's waiting `ReadKey` (a deferred reply).
//! - `line_enter`: Enter's path to a shell, to `read_line` returning the line, as `sh` reads its
//!   commands: the same way plus the line editor, which echoes the newline on the terminal (a
//!   serial write and the console page) before it answers the waiting `ReadLine`. Each sample is
//!   an empty line: Enter alone.
//!
//! We hold the focus and make the keys ourselves: command 0xD2 makes the controller take the next
//! data byte as if the keyboard sent it.
#![no_std]
#![no_main]

use userlib::abi::input::Key;
use userlib::cap::IoPorts;
use userlib::{input, println, rdtsc_ordered, slots, CapSlot, System, HZ};

userlib::entry!(main);

const WARMUP: usize = 20;
const SAMPLES: usize = 200;
const PORTS: CapSlot = CapSlot(8);
const KBD_DATA: u16 = 0x60;
const KBD_COMMAND: u16 = 0x64;
/// The press of `a` in scancode set 1.
const A_PRESSED: u8 = 0x1E;
/// The press of Enter in scancode set 1.
const ENTER_PRESSED: u8 = 0x1C;

fn main() -> i32 {
    match measure_both() {
        Ok((key, line)) => {
            println!(
                "bench: key_path {key}: interrupt → the reader has the key (the keyboard \
                 driver, the input server, the deferred reply)"
            );
            println!(
                "bench: line_enter {line}: interrupt → the reader has the line (the keyboard \
                 driver, the input server's line editor and echo, the deferred reply)"
            );
            0
        }
        Err(why) => {
            println!("keybench: {why}");
            1
        }
    }
}

fn measure_both() -> Result<(u64, u64), &'static str> {
    input::focus().map_err(|_| "no input server")?;
    let ports = System(slots::DEVICE)
        .io_ports(KBD_DATA, (KBD_COMMAND - KBD_DATA + 1) as u64, PORTS)
        .map_err(|_| "no keyboard ports")?;
    let key = median(ports, A_PRESSED, || {
        let key = input::read_key(HZ as u32).map_err(|_| "no key came")?;
        Ok(key.key == Key::Char('a'))
    })?;
    let line = median(ports, ENTER_PRESSED, || {
        let line = input::read_line(HZ as u32).map_err(|_| "no line came")?;
        Ok(line.is_empty())
    })?;
    Ok((key, line))
}

/// The median time from the controller raising IRQ 1 for `scancode` to `read` returning; `read`
/// says whether what came is what the scancode makes (checked after the clock is read).
fn median(
    ports: IoPorts,
    scancode: u8,
    mut read: impl FnMut() -> Result<bool, &'static str>,
) -> Result<u64, &'static str> {
    let mut times = [0u64; SAMPLES];
    for i in 0..WARMUP + SAMPLES {
        ports.outb(KBD_COMMAND, 0xD2).map_err(|_| "IoOut")?;
        let raised = rdtsc_ordered();
        ports.outb(KBD_DATA, scancode).map_err(|_| "IoOut")?;
        let expected = read()?;
        let took = rdtsc_ordered().wrapping_sub(raised);
        if !expected {
            return Err("another key came");
        }
        if let Some(slot) = i.checked_sub(WARMUP) {
            times[slot] = took;
        }
    }
    times.sort_unstable();
    Ok(times[SAMPLES / 2])
}
