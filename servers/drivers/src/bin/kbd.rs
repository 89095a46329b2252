//! The PS/2 keyboard driver: the i8042 controller's data (0x60) and status/command (0x64) ports
//! and IRQ 1, from the device capability init gives it. Each interrupt: take every byte the
//! controller holds, decode the scancodes (`scancode.rs`), acknowledge the line, and hand the
//! keys to the input server (`Typed`, through the `DRIVER`-badged capability init gives it in
//! `slots::INPUT`). docs/drivers.md walks through it.
#![no_std]
#![no_main]

use drivers::scancode::Decoder;
use userlib::abi::input::Source;
use userlib::input::KeyBatch;
use userlib::{println, slots, CapSlot, FramePool, IoPorts, Rights, SysError, System};

userlib::entry!(main);

const DATA: CapSlot = CapSlot(8);
const STATUS: CapSlot = CapSlot(9);
const LINE: CapSlot = CapSlot(10);
const NOTE: CapSlot = CapSlot(11);
const BADGED: CapSlot = CapSlot(12);
const KEYBOARD_BIT: u64 = 1;
/// Status bits: a byte waits in the output buffer; it is the mouse's; the input buffer is full.
const OUTPUT_FULL: u8 = 1;
const FROM_MOUSE: u8 = 0x20;
const INPUT_FULL: u8 = 2;

fn main() -> i32 {
    // The test kernel's `test:kbd-crash=N` makes init start the first driver with N: it faults
    // at its Nth key, so the tests see a crash survived (docs/drivers.md, "Restart").
    let crash_at = userlib::rt::start_args().0;
    match run(crash_at) {
        Ok(never) => match never {},
        Err(e) => {
            println!("kbd: stopped: {e}");
            1
        }
    }
}

fn run(crash_at: u64) -> Result<core::convert::Infallible, SysError> {
    let system = System(slots::DEVICE);
    let data = system.io_ports(0x60, 1, DATA)?;
    let status = system.io_ports(0x64, 1, STATUS)?;
    let line = system.irq_handler(1, LINE)?;
    let note = FramePool(slots::POOL).create_notification(NOTE)?;
    line.set_notification(note.mint(BADGED, Rights::SEND, KEYBOARD_BIT)?)?;
    enable_interrupts(data, status)?;
    println!("kbd: ready (IRQ 1)");
    let mut decoder = Decoder::new();
    let mut batch = KeyBatch::new("kbd", Source::Keyboard);
    let mut typed = 0u64;
    loop {
        loop {
            let s = status.inb(0x64)?;
            if s & OUTPUT_FULL == 0 {
                break;
            }
            let byte = data.inb(0x60)?;
            if s & FROM_MOUSE != 0 {
                continue;
            }
            let Some(key) = decoder.feed(byte) else {
                continue;
            };
            typed += 1;
            if typed == crash_at {
                crash();
            }
            batch.add(key);
        }
        line.ack()?;
        batch.send();
        note.wait()?;
    }
}

/// The controller's configuration byte: keyboard interrupt on, translation to set 1 on, the
/// keyboard's clock on (the firmware usually leaves it so; UEFI may not).
fn enable_interrupts(data: IoPorts, status: IoPorts) -> Result<(), SysError> {
    for _ in 0..64 {
        if status.inb(0x64)? & OUTPUT_FULL == 0 {
            break;
        }
        data.inb(0x60)?; // (whatever was typed before the driver ran)
    }
    command(status, data, 0x20, None)?;
    let mut config = 0x41;
    for _ in 0..10_000 {
        if status.inb(0x64)? & OUTPUT_FULL != 0 {
            config = data.inb(0x60)?;
            break;
        }
    }
    let config = (config | 0x41) & !0x10;
    command(status, data, 0x60, Some(config))
}

fn command(status: IoPorts, data: IoPorts, cmd: u8, arg: Option<u8>) -> Result<(), SysError> {
    wait_input_empty(status)?;
    status.outb(0x64, cmd)?;
    if let Some(arg) = arg {
        wait_input_empty(status)?;
        data.outb(0x60, arg)?;
    }
    Ok(())
}

fn wait_input_empty(status: IoPorts) -> Result<(), SysError> {
    for _ in 0..10_000 {
        if status.inb(0x64)? & INPUT_FULL == 0 {
            return Ok(());
        }
    }
    Err(SysError::TimedOut)
}

/// The test hook's fault: a write to address 0, which no program maps.
fn crash() -> ! {
    println!("kbd: crashing on purpose (test:kbd-crash)");
    // SAFETY: none needed, and none given: the write faults (address 0 is never mapped), and
    // the kernel ends this task and tells init, which is the point.
    unsafe { core::ptr::write_volatile(core::ptr::null_mut::<u64>().wrapping_add(1), 0) };
    loop {
        core::hint::spin_loop();
    }
}
