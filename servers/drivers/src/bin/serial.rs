//! The serial-line input driver: COM1's receive side (data 0x3F8, interrupt enable 0x3F9,
//! interrupt id 0x3FA, line status 0x3FD; the kernel keeps transmitting and the line and modem
//! control, `abi::device::KERNEL_PORTS`) and IRQ 4. Each interrupt: take every byte received,
//! decode them as a terminal's (`serial_keys.rs`), acknowledge the line, and hand the keys to the
//! input server (`Typed`, through the `DRIVER`-badged capability init gives it in
//! `slots::INPUT`). A lone ESC is the Escape key once two ticks pass with nothing after it, so the
//! notification is bound and waited for with a receive timeout.
#![no_std]
#![no_main]

use drivers::serial_keys::Decoder;
use userlib::abi::input::Source;
use userlib::input::KeyBatch;
use userlib::{cap, println, slots, sys, CapSlot, FramePool, Rights, SysError, System};

userlib::entry!(main);

const RECEIVE: CapSlot = CapSlot(8);
const STATUS: CapSlot = CapSlot(9);
const LINE: CapSlot = CapSlot(10);
const NOTE: CapSlot = CapSlot(11);
const BADGED: CapSlot = CapSlot(12);
const COM1: u16 = 0x3F8;
const SERIAL_BIT: u64 = 1;
/// Interrupt enable: received data available.
const RECEIVED_DATA: u8 = 1;
/// Line status: a byte waits.
const DATA_READY: u8 = 1;
/// How long a lone ESC waits for the rest of a sequence.
const ESCAPE_TICKS: u64 = 2;

fn main() -> i32 {
    match run() {
        Ok(never) => match never {},
        Err(e) => {
            println!("serial: stopped: {e}");
            1
        }
    }
}

fn run() -> Result<core::convert::Infallible, SysError> {
    let system = System(slots::DEVICE);
    let receive = system.io_ports(COM1, 3, RECEIVE)?;
    let status = system.io_ports(COM1 + 5, 1, STATUS)?;
    let line = system.irq_handler(4, LINE)?;
    let note = FramePool(slots::POOL).create_notification(NOTE)?;
    note.bind()?;
    line.set_notification(note.mint(BADGED, Rights::SEND, SERIAL_BIT)?)?;
    receive.outb(COM1 + 1, RECEIVED_DATA)?;
    println!("serial: ready (IRQ 4)");
    let mut decoder = Decoder::new();
    let mut batch = KeyBatch::new("serial", Source::Serial);
    loop {
        while status.inb(COM1 + 5)? & DATA_READY != 0 {
            let byte = receive.inb(COM1)?;
            decoder.feed(byte, &mut |key| batch.add(key));
        }
        let _ = receive.inb(COM1 + 2)?; // (the interrupt id: read, the UART's own acknowledgement)
        line.ack()?;
        batch.send();
        // Nobody else holds this endpoint: only the bound notification (or the timeout) comes.
        let ticks = if decoder.pending() { ESCAPE_TICKS } else { 0 };
        match sys::recv_timeout(cap::own().slot(), ticks) {
            Err(SysError::TimedOut) => {
                decoder.idle(&mut |key| batch.add(key));
                batch.send();
            }
            Err(e) => return Err(e),
            Ok(_) => {}
        }
    }
}
