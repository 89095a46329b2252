//! Address-space objects: a top-level page table plus its accounting.

pub const MAX_SPACES: usize = 64;

pub struct Space {
    /// Frame of the top-level page table.
    pub root: u64,
    /// Page-table frames this space owns, the root included (freed with it).
    pub tables: u32,
    /// Live tasks running in it; it cannot be destroyed while any exist.
    pub tasks: u32,
}
