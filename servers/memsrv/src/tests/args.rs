//! `SpawnArgs` strings checked (length, word count, padding, UTF-8), the requests any process
//! may now make (`Processes`, `Census`), and the census's tally.
use crate::census::Tally;
use crate::decode::{decode, spawn_args, Ask};
use userlib::abi::frames::{FREE, KERNEL, PAGE_TABLE, UNUSABLE, USER};
use userlib::abi::memsrv::{pack_name, MemError, Request, ARGS_MAX};

type Checked = Result<([u8; ARGS_MAX], usize), MemError>;

/// The words after the registers that carry `text`, zero-padded.
fn words_of(text: &[u8]) -> Vec<u64> {
    text.chunks(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(w)
        })
        .collect()
}

fn check(text: &[u8]) -> Result<String, MemError> {
    let extra = words_of(text);
    let (bytes, len) = spawn_args(4 + extra.len(), text.len() as u64, &extra)?;
    Ok(String::from_utf8(bytes[..len].to_vec()).expect("checked"))
}

#[test]
fn an_argument_string_comes_through_whole() {
    assert_eq!(check(b"3").as_deref(), Ok("3"));
    assert_eq!(check(b"").as_deref(), Ok(""));
    assert_eq!(check(b"exactly8").as_deref(), Ok("exactly8"));
    assert_eq!(check("grüße 12".as_bytes()).as_deref(), Ok("grüße 12"));
    let longest = "x".repeat(ARGS_MAX);
    assert_eq!(check(longest.as_bytes()), Ok(longest));
}

#[test]
fn a_string_too_long_or_not_utf8_is_refused() {
    assert_eq!(
        check("x".repeat(ARGS_MAX + 1).as_bytes()),
        Err(MemError::BadRequest)
    );
    let bad: Checked = Err(MemError::BadRequest);
    assert_eq!(check(&[b'a', 0xff, b'b']), Err(MemError::BadRequest));
    // A length that does not fit a usize, or that wraps when rounded up.
    assert_eq!(spawn_args(4, u64::MAX, &[]), bad);
}

#[test]
fn the_length_and_the_words_must_agree() {
    let bad: Checked = Err(MemError::BadRequest);
    let extra = words_of(b"hello world"); // 11 bytes: 2 words
    assert!(spawn_args(6, 11, &extra).is_ok());
    assert_eq!(spawn_args(7, 11, &extra), bad);
    assert_eq!(spawn_args(5, 11, &extra), bad);
    assert_eq!(spawn_args(6, 17, &extra), bad);
    // Words claimed but not there (a message shorter than its tag says cannot be, but the
    // function does not count on it).
    assert_eq!(spawn_args(6, 11, &extra[..1]), bad);
    // Bytes hidden after the length: refused, not ignored.
    let mut hidden = extra.clone();
    hidden[1] |= 0x7f << 56;
    assert_eq!(spawn_args(6, 11, &hidden), bad);
}

#[test]
fn spawn_args_processes_and_census_are_decoded_for_any_process() {
    let [w0, w1] = pack_name("allocator").expect("short");
    let Ok(Ask::SpawnArgs {
        name,
        len,
        arg,
        args_len,
    }) = decode(9, Request::SpawnArgs as u32, [w0, w1, 3, 1])
    else {
        panic!("a spawn with arguments");
    };
    assert_eq!((&name[..len], arg, args_len), (&b"allocator"[..], 3, 1));
    let processes = decode(9, Request::Processes as u32, [4, 0, 0, 0]);
    assert_eq!(processes, Ok(Ask::Processes { from: 4 }));
    assert_eq!(decode(9, Request::Census as u32, [0; 4]), Ok(Ask::Census));
}

#[test]
fn the_census_counts_each_state_and_skips_unusable_frames() {
    let mut t = Tally::default();
    t.add(&[
        UNUSABLE,
        FREE,
        FREE,
        KERNEL,
        PAGE_TABLE,
        USER,
        USER + 3,
        u8::MAX,
    ]);
    t.add(&[FREE]);
    assert_eq!(t.words(), [3, 1, 1, 3]);
}
