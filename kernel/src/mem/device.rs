//! Device memory the kernel knows: the framebuffer the bootloader reported. Its frames are not RAM;
//! a device-frame capability maps them into user space, where they are never counted, shared,
//! copied or freed as user frames (a map count and the free list only ever see RAM).
#[derive(Clone, Copy)]
pub struct DeviceMemory {
    /// Its first frame.
    pub first: u64,
    /// What `DeviceFramesCreate` returns (`abi::device::Geometry`, packed; the page count last).
    pub geometry: [u64; 6],
}

impl DeviceMemory {
    pub fn pages(&self) -> u64 {
        self.geometry[5]
    }

    pub fn contains(&self, frame: u64) -> bool {
        frame.wrapping_sub(self.first) < self.pages()
    }
}
