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
use userlib::abi::input::{Key, KeyEvent, Request, Source, MAX_TYPED};
use userlib::input::Input;
use userlib::rpc::Client;
use userlib::{cap, println, slots, sys, CapSlot, Endpoint, FramePool, Rights, SysError, System};

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

struct Batch {
    keys: heapless::Vec<KeyEvent, MAX_TYPED>,
    input: Client<Input>,
    told: bool,
}

impl Batch {
    fn add(&mut self, key: Key) {
        let key = KeyEvent {
            key,
            source: Source::Serial,
        };
        if self.keys.push(key).is_err() {
            self.send();
            let _ = self.keys.push(key);
        }
    }

    /// Hands the keys to the input server (which answers at once: a driver never waits for a
    /// reader).
    fn send(&mut self) {
        if self.keys.is_empty() {
            return;
        }
        let batch = core::mem::take(&mut self.keys);
        if let Err(e) = self.input.call(&Request::Typed(batch)) {
            if !core::mem::replace(&mut self.told, true) {
                println!("serial: the input server refused keys ({e}): dropped");
            }
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
    let mut batch = Batch {
        keys: heapless::Vec::new(),
        input: Client::new(Endpoint(slots::INPUT)),
        told: false,
    };
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
