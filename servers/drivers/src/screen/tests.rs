//! Host tests of the drawing.
use super::*;
use userlib::abi::device::{Geometry, PixelFormat};

/// A screen's geometry, 4 bytes a pixel, with 16 pixels beyond the visible width in each row.
fn geometry(width: u64, height: u64, format: PixelFormat) -> Geometry {
    Geometry {
        width,
        height,
        stride: width + 16,
        bytes_per_pixel: 4,
        format,
        pages: 0,
    }
}

fn pixel(buf: &[u8], g: &Geometry, x: u64, y: u64) -> [u8; 4] {
    let at = ((y * g.stride + x) * 4) as usize;
    buf[at..at + 4].try_into().unwrap()
}

fn page() -> [u16; 2048] {
    [0x0700 | b' ' as u16; 2048]
}

#[test]
fn draws_every_cell_first_then_only_what_changed() {
    let g = geometry(640, 400, PixelFormat::Bgr);
    let mut buf = vec![0xffu8; (g.stride * g.height * 4) as usize];
    let mut screen = Screen::new(&mut buf, g);
    let mut cells = page();
    assert_eq!(
        screen.draw(&cells),
        CELLS,
        "the first draw draws everything"
    );
    assert_eq!(screen.draw(&cells), 0, "nothing changed");
    // A white-on-blue `A` (0x1f) in row 2, column 3.
    cells[2 * COLS + 3] = 0x1f00 | b'A' as u16;
    cells[CELLS] = 7; // (the cursor: not a cell)
    assert_eq!(screen.draw(&cells), 1);
    assert_eq!(screen.draw(&cells), 0);
    let (x, y) = (3 * 8, 2 * 8);
    // Glyph `A`'s first row is 0x0C: pixels 2 and 3 lit; the rest background.
    assert_eq!(
        pixel(&buf, &g, x + 2, y),
        [0xff, 0xff, 0xff, 0],
        "white (BGR)"
    );
    assert_eq!(pixel(&buf, &g, x, y), [0xaa, 0, 0, 0], "blue background");
    assert_eq!(pixel(&buf, &g, 0, 0), [0, 0, 0, 0], "a space: black");
    let stride_gap = (g.width * 4) as usize;
    assert_eq!(buf[stride_gap], 0, "cleared beyond the visible width too");
}

#[test]
fn doubles_the_font_where_there_is_room_and_clips_at_the_edges() {
    let g = geometry(1280, 800, PixelFormat::Rgb);
    let mut buf = vec![0u8; (g.stride * g.height * 4) as usize];
    let mut cells = page();
    cells[0] = 0x0c00 | b'A' as u16; // light red on black
    Screen::new(&mut buf, g).draw(&cells);
    assert_eq!(
        pixel(&buf, &g, 4, 0),
        [0xff, 0x55, 0x55, 0],
        "pixel 2 of the glyph, doubled"
    );
    assert_eq!(pixel(&buf, &g, 5, 1), [0xff, 0x55, 0x55, 0]);
    assert_eq!(pixel(&buf, &g, 3, 0), [0, 0, 0, 0]);
    // A screen smaller than the grid: what does not fit is not drawn, nothing out of bounds.
    let small = geometry(100, 50, PixelFormat::Gray);
    let mut buf = vec![0u8; (small.stride * small.height * 4) as usize];
    assert_eq!(Screen::new(&mut buf, small).draw(&cells), CELLS);
    // Geometries a driver should never see (0 or 3 bytes a pixel): no panic, nothing out of bounds.
    for bpp in [0, 3] {
        let odd = Geometry {
            bytes_per_pixel: bpp,
            ..small
        };
        let mut buf = vec![0u8; 1000];
        assert_eq!(Screen::new(&mut buf, odd).draw(&cells), CELLS);
    }
    // And a page too short to be one: nothing drawn.
    let mut buf = vec![0u8; 64];
    assert_eq!(Screen::new(&mut buf, small).draw(&cells[..10]), 0);
}
