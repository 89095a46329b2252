//! kvclient: uses the `kv` example server — finds it by name, stores short and long values
//! (a long one travels through the IPC buffer), reads them back, removes one, lists the keys a
//! page at a time, and checks every answer. Exits 0 only if all held.
#![no_std]
#![no_main]

use examples::protocol::kv::{Error, Key, Kv, Reply, Request, Value, MAX_VALUE};
use userlib::rpc::{CallError, Client};
use userlib::{names, println, CapSlot, HZ};

userlib::entry!(main);

fn key(s: &str) -> Key {
    Key::try_from(s).unwrap_or_default()
}

fn value(bytes: &[u8]) -> Value {
    Value::from_slice(bytes).unwrap_or_default()
}

fn main() -> i32 {
    let kv: Client<Kv> = match names::connect("kv", CapSlot(8), HZ as u32) {
        Ok(kv) => kv,
        Err(e) => {
            println!("kvclient: no kv server: {e:?}");
            return 1;
        }
    };
    let long: [u8; MAX_VALUE] = core::array::from_fn(|i| i as u8);
    let put = |k: &str, v: &[u8]| {
        kv.call(&Request::Put {
            key: key(k),
            value: value(v),
        })
    };
    let get = |k: &str| kv.call(&Request::Get { key: key(k) });
    let checks = [
        (
            "put a short value",
            put("greeting", b"hello"),
            Ok(Reply::Stored),
        ),
        ("put a long value", put("bytes", &long), Ok(Reply::Stored)),
        (
            "get it back",
            get("greeting"),
            Ok(Reply::Value(value(b"hello"))),
        ),
        (
            "get the long one",
            get("bytes"),
            Ok(Reply::Value(value(&long))),
        ),
        ("replace", put("greeting", b"bye"), Ok(Reply::Stored)),
        (
            "get the new value",
            get("greeting"),
            Ok(Reply::Value(value(b"bye"))),
        ),
        ("count", kv.call(&Request::Count), Ok(Reply::Count(2))),
        (
            "remove",
            kv.call(&Request::Remove { key: key("bytes") }),
            Ok(Reply::Removed),
        ),
        (
            "get a removed key",
            get("bytes"),
            Err(CallError::Server(Error::NotFound)),
        ),
    ];
    let mut failed = 0;
    for (what, got, want) in &checks {
        if got != want {
            println!("kvclient: {what}: got {got:?}, expected {want:?}");
            failed += 1;
        }
    }
    // Ten more keys (eleven in all): listed a page of eight at a time, in two pages.
    for digit in '0'..='9' {
        let mut name = Key::new();
        let _ = (name.push('k'), name.push(digit));
        let _ = put(&name, b"v");
    }
    let listed = list_all(&kv);
    if listed != Ok((2, 11)) {
        println!("kvclient: list in pages: got {listed:?}, expected Ok((2 pages, 11 keys))");
        failed += 1;
    }
    let total = checks.len() + 1;
    println!("kvclient: {} of {total} checks passed", total - failed);
    (failed != 0) as i32
}

/// Lists every key, a page at a time; returns (pages, keys).
fn list_all(kv: &Client<Kv>) -> Result<(usize, usize), CallError<Error>> {
    let (mut pages, mut count, mut after) = (0, 0, None);
    loop {
        let Reply::Keys { keys, more } = kv.call(&Request::List { after })? else {
            return Err(CallError::BadReply);
        };
        pages += 1;
        count += keys.len();
        after = keys.last().cloned();
        if !more {
            return Ok((pages, count));
        }
    }
}
