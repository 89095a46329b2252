//! The counter protocol, shared by the `counter` server and its `count` client (see
//! docs/writing-a-server.md). A request is a label and up to four words; so is the reply.

/// Add word 0 to the total; the reply's word 0 is the new total.
pub const ADD: u32 = 1;
/// The reply's word 0 is the total.
pub const GET: u32 = 2;
/// The reply label for a request the server does not know.
pub const UNKNOWN: u32 = u32::MAX;
