//! The picture, as 80x25 CGA cells (`attribute << 8 | character`), WeensyOS's layout:
//!
//! ```text
//! row 0       PHYSICAL MEMORY, and the scale (pages a cell)
//! rows 1-16   64 cells a row, labelled with the row's first address in MiB; the legend at right
//! row 17      VIRTUAL ADDRESS SPACE FOR <pid>
//! rows 18-20  that process's mapped pages in address order, a row labelled with its first address
//!             (12 hex digits)
//! row 21      CAPABILITIES OF <pid>, and what it waits on
//! rows 22-24  its capabilities: slot, kind and object, rights, badge, what the object is
//! ```
//!
//! A cell standing for several pages shows the most telling of them: leaked, console, shared,
//! then whoever owns most of them.
use crate::gather::{Mark, Snapshot};
use core::fmt::Write;
use userlib::abi::inspect::Activity;
use userlib::layout::{CONSOLE_COLUMNS as COLS, CONSOLE_ROWS as ROWS, PAGE_SIZE};
use userlib::{CapKind, Rights};

pub const CELLS: usize = COLS * ROWS;
pub type Grid = [u16; CELLS];

const MAP_COLUMNS: usize = 64;
const PHYS_ROWS: usize = 16;
const PHYS_TOP: usize = 1;
const VIRT_TOP: usize = 18;
const VIRT_ROWS: usize = 3;
const CAPS_TOP: usize = 22;
const LABEL: usize = 5;
const VIRT_LABEL: usize = 13;

const GREY: u8 = 0x07;
const WHITE: u8 = 0x0f;

/// Colours of pids (by pid modulo their number), as WeensyOS gives each process its own: the
/// first four processes (pids 2-5; init is 1) red, green, blue and yellow.
const PID_COLOURS: [u8; 8] = [0x04, 0x01, 0x0c, 0x0a, 0x09, 0x0e, 0x06, 0x02];

/// The legend, one entry a row beside the physical map.
const LEGEND: [(Mark, &str); 11] = [
    (Mark::Kernel, "kernel"),
    (Mark::Reserved, "reserved"),
    (Mark::Console, "console"),
    (Mark::Free, "free"),
    (Mark::PageTable, "pg table"),
    (Mark::Server, "memsrv"),
    (Mark::Init, "init,srv"),
    (Mark::SharedReadOnly, "shared"),
    (Mark::SharedCow, "cow"),
    (Mark::Leaked, "leaked"),
    (Mark::Owned { pid: 2 }, "pid"),
];

impl Mark {
    /// Its attribute: a colour on black (as WeensyOS's physical map).
    pub fn attr(self) -> u8 {
        match self {
            Mark::Reserved | Mark::Free => GREY,
            Mark::Init => 0x08,
            Mark::Kernel => 0x0d,
            Mark::PageTable => 0x0b,
            Mark::Leaked => 0xcf, // bright white on red
            Mark::Console => 0x70,
            Mark::Server => 0x03,
            Mark::SharedReadOnly => 0x0f,
            Mark::SharedCow => 0x5f, // bright white on magenta
            Mark::Owned { pid } => PID_COLOURS[pid as usize % PID_COLOURS.len()],
        }
    }

    /// Reverse video (black on the colour): a page user code can reach, as WeensyOS's virtual map
    /// shows them.
    pub fn user_attr(self) -> u8 {
        match self.attr() {
            a if a & 0xf0 != 0 => a, // (has a background already)
            a => (a & 0x07) << 4,
        }
    }

    /// How strongly a cell of several pages shows this one (the highest wins; ties go to the
    /// most frequent).
    fn weight(self) -> u8 {
        match self {
            Mark::Leaked => 9,
            Mark::Console => 8,
            Mark::SharedCow => 7,
            Mark::SharedReadOnly => 6,
            Mark::Owned { .. } | Mark::Server | Mark::Init => 5,
            Mark::PageTable => 4,
            Mark::Kernel => 3,
            Mark::Reserved => 2,
            Mark::Free => 1,
        }
    }
}

fn cell(ch: u8, attr: u8) -> u16 {
    (attr as u16) << 8 | ch as u16
}

/// The mark a cell of `marks` shows.
fn summary(marks: impl Iterator<Item = Mark> + Clone) -> Mark {
    let mut best = Mark::Free;
    let mut best_count = 0;
    for m in marks.clone() {
        if m.weight() < best.weight() || m == best {
            continue;
        }
        let count = marks.clone().filter(|&n| n == m).count();
        if m.weight() > best.weight() || count > best_count {
            (best, best_count) = (m, count);
        }
    }
    best
}

/// Writes text into the grid at (row, column) with `attr`, clipped at the row's end.
struct Pen<'a> {
    grid: &'a mut Grid,
    row: usize,
    col: usize,
    attr: u8,
}

impl Write for Pen<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for b in s.bytes() {
            if self.col < COLS {
                self.grid[self.row * COLS + self.col] = cell(b, self.attr);
                self.col += 1;
            }
        }
        Ok(())
    }
}

fn pen(grid: &mut Grid, row: usize, col: usize, attr: u8) -> Pen<'_> {
    Pen {
        grid,
        row,
        col,
        attr,
    }
}

pub fn draw(s: &Snapshot, grid: &mut Grid) {
    grid.fill(cell(b' ', GREY));
    physical(s, grid);
    virtual_space(s, grid);
    capabilities(s, grid);
}

fn physical(s: &Snapshot, grid: &mut Grid) {
    let cells = MAP_COLUMNS * PHYS_ROWS;
    let per_cell = s.frames.div_ceil(cells).max(1);
    let _ = write!(
        pen(grid, 0, 0, WHITE),
        "PHYSICAL MEMORY  {} MiB, a cell = {per_cell} page{}",
        (s.frames as u64 * PAGE_SIZE) >> 20,
        if per_cell == 1 { "" } else { "s" }
    );
    for row in 0..PHYS_ROWS {
        let first = row * MAP_COLUMNS * per_cell;
        if first >= s.frames {
            break;
        }
        let mib = (first as u64 * PAGE_SIZE) >> 20;
        let _ = write!(pen(grid, PHYS_TOP + row, 0, GREY), "{mib:>3}M");
        for col in 0..MAP_COLUMNS {
            let start = first + col * per_cell;
            let end = (start + per_cell).min(s.frames);
            if start >= end {
                break;
            }
            let m = summary(s.frame_marks(start..end));
            grid[(PHYS_TOP + row) * COLS + LABEL + col] = cell(m.char(), m.attr());
        }
    }
    for (i, (mark, text)) in LEGEND.iter().enumerate() {
        let at = (PHYS_TOP + i) * COLS + LABEL + MAP_COLUMNS + 1;
        grid[at] = cell(mark.char(), mark.attr());
        let _ = write!(
            pen(grid, PHYS_TOP + i, LABEL + MAP_COLUMNS + 3, GREY),
            "{text}"
        );
    }
}

fn virtual_space(s: &Snapshot, grid: &mut Grid) {
    let shown = s.procs.iter().find(|p| p.pid == s.shown);
    // (With no process running, the memory server's own space is shown, as pid 0.)
    let (name, parent) = shown.map_or(("memsrv", 1), |p| (p.name(), p.parent));
    let cells = (COLS - VIRT_LABEL) * VIRT_ROWS;
    let pages = s.page_count();
    let per_cell = pages.div_ceil(cells).max(1);
    let _ = write!(
        pen(grid, VIRT_TOP - 1, 0, WHITE),
        "VIRTUAL ADDRESS SPACE FOR {} ({name}, parent {parent}): {} pages, a cell = {per_cell}",
        s.shown,
        pages
    );
    for i in 0..pages.div_ceil(per_cell).min(cells) {
        let (row, col) = (i / (COLS - VIRT_LABEL), i % (COLS - VIRT_LABEL));
        let chunk = s.pages(i * per_cell..(i + 1) * per_cell);
        if col == 0 {
            let first = chunk.clone().next().map_or(0, |p| p.0);
            let _ = write!(pen(grid, VIRT_TOP + row, 0, GREY), "{first:012x}");
        }
        let m = summary(chunk.map(|p| p.1));
        grid[(VIRT_TOP + row) * COLS + VIRT_LABEL + col] = cell(m.char(), m.user_attr());
    }
}

fn capabilities(s: &Snapshot, grid: &mut Grid) {
    let mut p = pen(grid, CAPS_TOP - 1, 0, WHITE);
    let _ = write!(p, "CAPABILITIES OF {}: ", s.shown);
    p.attr = GREY;
    let _ = match s.activity {
        Some((Activity::Receiving, ep)) => write!(p, "serves (receives on) {}", endpoint(s, ep)),
        Some((Activity::Sending, ep)) => write!(p, "waits to send on {}", endpoint(s, ep)),
        Some((Activity::AwaitingReply, task)) => write!(p, "waits for a reply from task {task}"),
        Some((Activity::Waiting, n)) => write!(p, "waits on notification {n}"),
        Some((activity, _)) => write!(p, "{activity:?}"),
        None => write!(p, "-"),
    };
    if s.activity.is_some() {
        let _ = write!(p, ", CPU {}", s.cpu);
    }
    for (i, c) in s.caps.iter().take(9).enumerate() {
        let (row, col) = (CAPS_TOP + i / 3, (i % 3) * 27);
        let mut p = pen(grid, row, col, GREY);
        let _ = write!(p, "{:>2} ", c.slot);
        let kind = match c.cap.kind {
            CapKind::Endpoint => "ep",
            CapKind::AddressSpace => "as",
            CapKind::Task => "task",
            CapKind::FramePool => "pool",
            CapKind::System => "sys",
            CapKind::Notification => "ntf",
            CapKind::IrqHandler => "irq",
            CapKind::IoPorts => "io",
            CapKind::DeviceFrames => "dev",
            CapKind::Empty => "-",
        };
        let _ = write!(p, "{kind}{} ", c.cap.index);
        for (right, letter) in [
            (Rights::SEND, "S"),
            (Rights::RECEIVE, "R"),
            (Rights::GRANT, "G"),
            (Rights::MAP, "M"),
            (Rights::READ, "r"),
            (Rights::CONTROL, "C"),
        ] {
            if c.cap.rights.contains(right) {
                let _ = p.write_str(letter);
            }
        }
        if c.cap.badge != 0 {
            let _ = write!(p, " b{}", c.cap.badge);
        }
        if c.cap.kind == CapKind::Endpoint {
            let _ = write!(p, " {}", endpoint_name(s, c.cap.index, c.slot));
        }
    }
}

/// An endpoint by index, named when it is one every process has.
fn endpoint(s: &Snapshot, index: u64) -> heapless::String<24> {
    let mut out = heapless::String::new();
    let index = index as u16;
    let slot = s
        .caps
        .iter()
        .find(|c| c.cap.kind == CapKind::Endpoint && c.cap.index == index);
    let name = endpoint_name(s, index, slot.map_or(u64::MAX, |c| c.slot));
    let _ = write!(out, "ep{index} {name}");
    out
}

fn endpoint_name(s: &Snapshot, index: u16, slot: u64) -> &'static str {
    if Some(index) == s.server_endpoint {
        "memsrv"
    } else if Some(index) == s.names_endpoint {
        "names"
    } else if slot == userlib::slots::OWN.0 as u64 {
        "own"
    } else {
        ""
    }
}
