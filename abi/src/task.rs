//! Task ids: what `TaskCreate` returns and a reply capability's target names. The index is the
//! kernel's task slot (what `TaskSelf` returns and exit notices name); the generation makes a
//! recycled slot a different id.

/// The id of the task in slot `index`, generation `gen`.
pub const fn task_id(index: u16, gen: u64) -> u64 {
    gen << 16 | index as u64
}

/// A task id's slot index and generation.
pub const fn split_task_id(id: u64) -> (u16, u64) {
    (id as u16, id >> 16)
}
