//! The name service's client side: register a server's endpoint under a name, find a server by
//! name. The protocol is [`abi::names`]; every program reaches the service through
//! [`slots::NAMES`].
//!
//! ```ignore
//! // A server makes itself known (its own endpoint, `slots::OWN`):
//! names::register("kv", cap::own())?;
//! // A client finds it, waiting up to a second for it to appear, and calls it:
//! let kv: Client<Kv> = names::connect("kv", CapSlot(8), HZ as u32)?;
//! ```

use crate::cap::Endpoint;
use crate::rpc::{CallError, Client, Protocol};
use abi::names::{self, Name, NameError, Reply, Request};
use abi::{slots, CapSlot, Rights};

/// The name service's protocol.
pub struct NameService;

impl Protocol for NameService {
    const ID: u16 = names::PROTOCOL;
    const NAME: &'static str = "names";
    type Request = Request;
    type Reply = Reply;
    type Error = NameError;
    fn caps(request: &Request) -> usize {
        matches!(request, Request::Register { .. }) as usize
    }
}

/// What a name-service call can fail with.
pub type Error = CallError<NameError>;

fn service() -> Client<NameService> {
    Client::new(Endpoint(slots::NAMES))
}

fn name(s: &str) -> Result<Name, Error> {
    match Name::try_from(s) {
        Ok(n) if names::valid_name(s) => Ok(n),
        _ => Err(CallError::Server(NameError::BadName)),
    }
}

/// Registers `endpoint` under `name`: clients that look the name up get a send-only copy, badged
/// for each of them. Fails with `Taken` while another live server holds the name.
pub fn register(name_: &str, endpoint: Endpoint) -> Result<(), Error> {
    let name = name(name_)?;
    // The service gets send and grant, never receive: it cannot take the server's requests.
    endpoint.copy_to(slots::SCRATCH, Rights::SEND | Rights::GRANT)?;
    let result = service().call_with_caps(&Request::Register { name }, &[slots::SCRATCH], &[]);
    let _ = crate::sys::cap_delete(slots::SCRATCH);
    result.map(drop)
}

/// Frees a name this program registered.
pub fn unregister(name_: &str) -> Result<(), Error> {
    service()
        .call(&Request::Unregister { name: name(name_)? })
        .map(drop)
}

/// Looks `name` up and puts a capability to its server into the empty slot `into`. Waits up to
/// `wait_ticks` timer ticks (`abi::HZ` per second; at most `names::MAX_WAIT_TICKS`) for a server
/// that has not registered yet; fails with `NotFound` after that.
pub fn lookup(name_: &str, into: CapSlot, wait_ticks: u32) -> Result<Endpoint, Error> {
    let name = name(name_)?;
    let mut wait_ticks = wait_ticks;
    loop {
        let request = Request::Lookup {
            name: name.clone(),
            wait_ticks,
        };
        match service().call_with_caps(&request, &[], &[into])? {
            (Reply::Found, 1) => return Ok(Endpoint(into)),
            (Reply::Found, _) => return Err(CallError::Server(NameError::NoSlot)),
            // It appeared while we waited: ask again, now that it is there.
            (Reply::Registered, _) => wait_ticks = 0,
            (Reply::Unregistered, _) => return Err(CallError::BadReply),
        }
    }
}

/// Looks `name` up (waiting as [`lookup`] does) and returns a typed client for protocol `P`.
pub fn connect<P: Protocol>(
    name: &str,
    into: CapSlot,
    wait_ticks: u32,
) -> Result<Client<P>, Error> {
    lookup(name, into, wait_ticks).map(Client::new)
}
