//! Kernel objects, one module each, and the capability tables that name them.
pub mod cap;
pub mod endpoint;
pub mod irq;
pub mod notification;
pub mod space;
pub mod table;
pub mod task;
