//! Physical memory and page tables.
pub mod audit;
pub mod device;
pub mod frames;
pub mod paging;
pub mod phys;
pub mod range;
pub mod user;
