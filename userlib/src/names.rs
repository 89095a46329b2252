//! The name service's client side: register a server's endpoint under a name, find a server by
//! name. The protocol is [`abi::names`]; every program reaches the service through
//! [`slots::NAMES`].
//!
//! A server that is not there yet can be waited for (up to [`abi::names::MAX_WAIT_TICKS`]); one
//! that ends loses its name, and its clients' calls fail with `StaleCap` or `PeerDied`.
//!
//! ```ignore
//! use userlib::rpc::Client;
//! use userlib::{cap, names, CapSlot, HZ};
//! # use protocol::{Kv, Request};
//! # fn f() -> Result<(), names::Error> {
//! // A server makes itself known (its own endpoint, `slots::OWN`):
//! names::register("kv", cap::own())?;
//! // A client finds it, waiting up to a second for it to appear, and calls it:
//! let kv: Client<Kv> = names::connect("kv", CapSlot(8), HZ as u32)?;
//! let count = kv.call(&Request::Count);
//! # Ok(())
//! # }
//! ```

use crate::cap::Endpoint;
use crate::rpc::{CallError, Client, Protocol};
use abi::names::{self, Name, NameError, Reply, Request};
use abi::{slots, CapSlot, Rights, SysError};

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

/// Calls the service. A process the memory server started gets its capability to the service
/// (in `slots::NAMES`) on first use: while the slot is empty the call fails before anything is
/// sent, so it is asked for (`process::name_service`) and the call made again.
fn call(request: &Request, send: &[CapSlot], receive: &[CapSlot]) -> Result<(Reply, usize), Error> {
    let service = Client::<NameService>::new(Endpoint(slots::NAMES));
    match service.call_with_caps(request, send, receive) {
        Err(CallError::Sys(SysError::EmptySlot)) if crate::process::name_service().is_ok() => {
            service.call_with_caps(request, send, receive)
        }
        other => other,
    }
}

/// The capability to the service (`slots::NAMES`), asked for first if this process has none yet:
/// for raw messages to the service (the functions here ask on first use themselves).
pub fn endpoint() -> Endpoint {
    let _ = crate::process::name_service(); // (refused if the slot holds it already)
    Endpoint(slots::NAMES)
}

fn name(s: &str) -> Result<Name, Error> {
    match Name::try_from(s) {
        Ok(n) if names::valid_name(s) => Ok(n),
        _ => Err(CallError::Server(NameError::BadName)),
    }
}

/// Registers `endpoint` under `name`: clients that look the name up get a send-only copy, badged
/// for each of them. Fails with `Taken` while another live server holds the name.
///
/// ```ignore
/// use userlib::{cap, names, println};
///
/// # fn main() -> i32 {
/// // At the start of a server's `main`, before it serves: clients waiting for the name wake up.
/// if let Err(e) = names::register("kv", cap::own()) {
///     println!("kv: cannot register: {e:?}"); // Server(Taken): another server has the name
///     return 1;
/// }
/// # 0
/// # }
/// ```
pub fn register(name_: &str, endpoint: Endpoint) -> Result<(), Error> {
    let name = name(name_)?;
    // The service gets send and grant, never receive: it cannot take the server's requests.
    endpoint.copy_to(slots::SCRATCH, Rights::SEND | Rights::GRANT)?;
    let result = call(&Request::Register { name }, &[slots::SCRATCH], &[]);
    let _ = crate::sys::cap_delete(slots::SCRATCH);
    result.map(drop)
}

/// Frees a name this program registered.
pub fn unregister(name_: &str) -> Result<(), Error> {
    call(&Request::Unregister { name: name(name_)? }, &[], &[]).map(drop)
}

/// Looks `name` up and puts a capability to its server into the empty slot `into`. Waits up to
/// `wait_ticks` timer ticks (`abi::HZ` per second; at most `names::MAX_WAIT_TICKS`) for a server
/// that has not registered yet; fails with `NotFound` after that.
///
/// Use it for a server without a typed protocol; [`connect`] wraps the endpoint in a
/// [`Client`].
///
/// ```ignore
/// use userlib::{ipc, names, CapSlot};
///
/// # fn f() -> Result<(), names::Error> {
/// // A raw-message server; fail at once (0 ticks) if it is not registered.
/// let echo = names::lookup("ipcecho", CapSlot(8), 0)?;
/// let reply = echo.call(&ipc::message(5, &[1, 2]))?; // `ipcecho` sends the message back
/// assert_eq!(reply.words[..2], [1, 2]);
/// # Ok(())
/// # }
/// ```
pub fn lookup(name_: &str, into: CapSlot, wait_ticks: u32) -> Result<Endpoint, Error> {
    let name = name(name_)?;
    let mut wait_ticks = wait_ticks;
    loop {
        let request = Request::Lookup {
            name: name.clone(),
            wait_ticks,
        };
        match call(&request, &[], &[into])? {
            (Reply::Found, 1) => return Ok(Endpoint(into)),
            (Reply::Found, _) => return Err(CallError::Server(NameError::NoSlot)),
            // It appeared while we waited: ask again, now that it is there.
            (Reply::Registered, _) => wait_ticks = 0,
            (Reply::Unregistered | Reply::Gone(_) | Reply::Noted, _) => {
                return Err(CallError::BadReply)
            }
        }
    }
}

/// Looks `name` up (waiting as [`lookup`] does) and returns a typed client for protocol `P`.
///
/// ```ignore
/// // The tutorial's protocol (docs/writing-a-server.md):
/// use protocol::{Counter, Request};
/// use userlib::abi::names::NameError;
/// use userlib::rpc::CallError;
/// use userlib::{names, println, CapSlot, HZ};
///
/// # fn f() {
/// // Slots from `slots::FIRST_FREE` (8) are the program's own to use.
/// match names::connect::<Counter>("counter", CapSlot(8), HZ as u32) {
///     Ok(counter) => println!("total: {:?}", counter.call(&Request::Get)),
///     Err(CallError::Server(NameError::NotFound)) => println!("no counter server after 1 s"),
///     Err(e) => println!("lookup failed: {e:?}"),
/// }
/// # }
/// ```
pub fn connect<P: Protocol>(
    name: &str,
    into: CapSlot,
    wait_ticks: u32,
) -> Result<Client<P>, Error> {
    lookup(name, into, wait_ticks).map(Client::new)
}

/// Which of `ids` (badges the name service minted: clients' ids) have ended, as a mask (bit `i`
/// for `ids[i]`). At most [`names::MAX_GONE`] ids. Ids are never reused, so the state a server
/// keeps for an ended id can go for good; [`crate::clients::Clients`] does this for a server.
pub fn gone(ids: &[u64]) -> Result<u32, Error> {
    let ids = heapless::Vec::from_slice(ids).map_err(|_| CallError::TooLong)?;
    match call(&Request::Gone { ids }, &[], &[])? {
        (Reply::Gone(mask), _) => Ok(mask),
        _ => Err(CallError::BadReply),
    }
}

/// What the system (init and the memory server, through their unbadged capabilities to the
/// service) tells the name service about the programs it runs.
pub mod system {
    use super::{CallError, Error, NameService};
    use crate::cap::Endpoint;
    use crate::rpc::Client;
    use abi::names::{Program, Reply, Request};

    fn tell(service: Endpoint, request: &Request) -> Result<(), Error> {
        match Client::<NameService>::new(service).call(request)? {
            Reply::Noted => Ok(()),
            _ => Err(CallError::BadReply),
        }
    }

    /// A notice: sent, not called (the service answers nobody), so a start or end costs the
    /// system half a round trip. It has arrived when this returns (the service takes one message
    /// at a time, so it has acted on it before it takes the program's first request).
    fn notify(service: Endpoint, request: &Request) -> Result<(), Error> {
        Client::<NameService>::new(service).send(request)
    }

    /// Program `id` (the badge of its capability to the service), of job `job`, running
    /// `program`, is about to use the service. Tell it before the program can.
    pub fn started(service: Endpoint, id: u64, job: u64, program: &str) -> Result<(), Error> {
        let program = Program::try_from(program).map_err(|_| CallError::TooLong)?;
        notify(service, &Request::Started { id, job, program })
    }

    /// Program `id` has ended: its names and held lookups go.
    pub fn ended(service: Endpoint, id: u64) -> Result<(), Error> {
        notify(service, &Request::Ended { id })
    }

    /// Only the program called `name` may register `name`.
    pub fn reserve(service: Endpoint, name: &str) -> Result<(), Error> {
        let name = super::name(name)?;
        tell(service, &Request::Reserve { name })
    }
}

/// A server's whole `main`: registers the program's own endpoint as `name`, then serves protocol
/// `P` on it with [`crate::rpc::serve`]. It offers no slots for capabilities, so a request that
/// carries one is rejected (`NoCapSlot`); a protocol with such requests uses
/// [`register_and_serve_with_caps`]. Returns the exit status: 1, after printing why, if
/// registering fails or serving stops.
///
/// ```ignore
/// fn main() -> i32 {
///     names::register_and_serve::<Kv, _>("kv", &mut Store(BTreeMap::new()))
/// }
/// ```
pub fn register_and_serve<P: Protocol, S: crate::rpc::Server<P>>(
    name: &str,
    server: &mut S,
) -> i32 {
    register_and_serve_with_caps(name, &[], server)
}

/// [`register_and_serve`] for a protocol whose requests carry capabilities
/// ([`Protocol::caps`]): they land in `cap_slots` (empty slots of the program's own, from
/// `slots::FIRST_FREE`; as many as the most any request carries), where the handler finds them
/// (`Call::caps`) and which are emptied after it returns.
///
/// ```ignore
/// fn main() -> i32 {
///     // Subscribe carries one endpoint: offer slot 9 for it.
///     names::register_and_serve_with_caps::<Notifier, _>("notifier", &[CapSlot(9)], &mut Topics::new())
/// }
/// ```
pub fn register_and_serve_with_caps<P: Protocol, S: crate::rpc::Server<P>>(
    name: &str,
    cap_slots: &[CapSlot],
    server: &mut S,
) -> i32 {
    if let Err(e) = register(name, crate::cap::own()) {
        crate::println!("{}: cannot register as {name:?}: {e:?}", P::NAME);
        return 1;
    }
    let error = crate::rpc::serve(crate::cap::own(), cap_slots, server);
    crate::println!("{}: stopped serving: {error}", P::NAME);
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::names::{Program, MAX_GONE};
    use abi::wire::{MAX_BYTES, REG_BYTES};

    fn encoded_len(request: &Request) -> usize {
        // (postcard into a plain buffer: `rpc::encode` would write the IPC buffer beyond 32 bytes)
        postcard::to_slice(request, &mut [0u8; MAX_BYTES]).map_or(usize::MAX, |b| b.len())
    }

    #[test]
    fn system_messages_fit() {
        // What the memory server says of a process's start and end stays in registers
        // for any pid below 2^32 and any program name.
        let started = Request::Started {
            id: u32::MAX as u64,
            job: u32::MAX as u64,
            program: Program::try_from("sixteen-bytes-ab").unwrap(),
        };
        assert!(encoded_len(&started) <= REG_BYTES);
        assert!(
            encoded_len(&Request::Ended {
                id: u32::MAX as u64
            }) <= REG_BYTES
        );
        // The longest liveness question still fits one message.
        let ids = heapless::Vec::from_slice(&[u64::MAX; MAX_GONE]).unwrap();
        assert!(encoded_len(&Request::Gone { ids }) <= MAX_BYTES);
    }
}
