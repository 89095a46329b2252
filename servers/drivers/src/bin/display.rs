//! display: the display driver. Init starts it at boot (a pool holder trusted with devices). It
//! makes the framebuffer's device-frame capability, maps the framebuffer into its own space, tells
//! init (init waits for that, so the mapping's page tables exist before it takes its census), then
//! draws the console page on it 20 times a second: only the rows and cells that changed, so a
//! still screen costs a copy of the page and 25 row comparisons. With no framebuffer it tells init
//! and ends quietly. See `docs/drivers.md`.
#![no_std]
#![no_main]

use drivers::screen::Screen;
use userlib::abi::device::{display::DRAWING, display::NO_SCREEN, Geometry, FRAMEBUFFER};
use userlib::layout::PAGE_SIZE;
use userlib::{println, slots, sys, CapSlot, MsgTag, PageRights, SysError};

userlib::entry!(main);

/// Where the framebuffer is mapped in the driver's space.
const FRAMEBUFFER_AT: u64 = 0x0000_4000_0000_0000;
/// The framebuffer's device-frame capability.
const FRAMES: CapSlot = slots::FIRST_FREE;
/// Timer ticks between redraws (20 a second).
const REDRAW_TICKS: u64 = userlib::abi::HZ / 20;

fn main() -> i32 {
    let mapped = map_framebuffer();
    // Init's call: the first message on the driver's own endpoint (only init holds it).
    if let Ok(init) = sys::recv(slots::OWN) {
        let label = if mapped.is_ok() { DRAWING } else { NO_SCREEN };
        let _ = sys::reply(init.sender, MsgTag::new(label, 0, 0), [0; 4]);
    }
    let geometry = match mapped {
        Ok(geometry) => geometry,
        Err(SysError::NotMapped) => return 0, // no framebuffer: nothing to draw on
        Err(e) => {
            println!("display: cannot map the framebuffer: {e}");
            return 0;
        }
    };
    let len = (geometry.pages * PAGE_SIZE) as usize;
    // SAFETY: `map_framebuffer` mapped these `len` bytes writable at `FRAMEBUFFER_AT`, for the
    // driver's whole life; they are device memory no Rust object or other code uses.
    let buf = unsafe { core::slice::from_raw_parts_mut(FRAMEBUFFER_AT as *mut u8, len) };
    let mut screen = Screen::new(buf, geometry);
    loop {
        screen.draw(&userlib::arch::console_page());
        // Sleep: a receive with a timeout on the endpoint only init holds.
        match sys::recv_timeout(slots::OWN, REDRAW_TICKS) {
            Ok(_) | Err(SysError::TimedOut) => {}
            Err(e) => {
                println!("display: cannot sleep: {e}");
                return 1;
            }
        }
    }
}

/// Makes the framebuffer's capability and maps all of it, writable, at `FRAMEBUFFER_AT`.
fn map_framebuffer() -> Result<Geometry, SysError> {
    let geometry = sys::device_frames_create(slots::DEVICE, FRAMEBUFFER, FRAMES)?;
    let room = geometry.stride * geometry.height * geometry.bytes_per_pixel;
    if room > geometry.pages * PAGE_SIZE || geometry.bytes_per_pixel == 0 {
        return Err(SysError::InvalidArgument);
    }
    for page in 0..geometry.pages {
        let at = FRAMEBUFFER_AT + page * PAGE_SIZE;
        sys::as_map_device(FRAMES, slots::SELF_SPACE, at, page, PageRights::WRITE)?;
    }
    Ok(geometry)
}
