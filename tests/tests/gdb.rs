//! gdb against the debuggable build: break in a client's call, follow it into the kernel's IPC
//! path and on into the server's handler and back, checking the function and source line at each
//! stop, and read the kernel's state with the `mikros` commands (runner/gdb/mikros.py). A raw
//! server (`ipcecho`) and a typed one (`kv`, `userlib::rpc`).
use runner::{Build, Debugger, Options, Verdict};
use system_tests::{expect_verdict, run};

/// The gdb session (the debuggable build before it has no limit): a boot and a dozen stops.
const TIMEOUT_SECS: u64 = 180;

/// The sources the sessions stop in, relative to the checkout (as gdb names them).
const IPCBENCH: &str = "runner/benchmarks/src/bin/ipcbench.rs";
const IPCECHO: &str = "runner/benchmarks/src/bin/ipcecho.rs";
const KV_CLIENT: &str = "servers/examples/src/bin/kvclient.rs";
const KV_SERVER: &str = "servers/examples/src/bin/kv.rs";
/// The Rust path of the kv protocol's module (`Kv`, `Request`), as the debug info names it.
const KV_PROTOCOL: &str = "examples::protocol::kv";

/// The 1-based line of the first line in `file` (relative to the checkout) containing `text`.
fn line_of(file: &str, text: &str) -> usize {
    line_after(file, 0, text)
}

/// The 1-based line of the first line after line `after` in `file` containing `text`.
fn line_after(file: &str, after: usize, text: &str) -> usize {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    source
        .lines()
        .enumerate()
        .skip(after)
        .find(|(_, line)| line.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not in {file} after line {after}"))
        .0
        + 1
}

/// Runs the gdb `commands` against `programs`; returns gdb's output split at each `mark NAME`
/// pseudo-command (an `echo` of a marker line), as (name, output) in order.
fn gdb_session(programs: &[&str], commands: &[&str]) -> Vec<(String, String)> {
    gdb_session_on(1, programs, commands)
}

/// [`gdb_session`] on `cpus` CPUs (QEMU shows each to gdb as a thread).
fn gdb_session_on(cpus: u8, programs: &[&str], commands: &[&str]) -> Vec<(String, String)> {
    let mut script = Vec::new();
    for command in commands {
        match command.strip_prefix("mark ") {
            Some(name) => script.push(format!("echo \\n@@ {name}\\n")),
            None => script.push(command.to_string()),
        }
    }
    let outcome = run(Options {
        gdb: Debugger::Batch(script),
        build: Build::Debuggable,
        smp: cpus,
        ..Options::for_test(programs, TIMEOUT_SECS)
    });
    expect_verdict(&outcome, Verdict::EndedWithGdb);
    let mut sections = Vec::new();
    for chunk in outcome.gdb_output.split("\n@@ ").skip(1) {
        let (name, text) = chunk.split_once('\n').unwrap_or((chunk, ""));
        sections.push((name.to_string(), text.to_string()));
    }
    assert!(
        !sections.is_empty(),
        "no output from gdb:\n{}\n--- console ---\n{}",
        outcome.gdb_output,
        outcome.transcript
    );
    sections
}

/// The function, file and line gdb reports a stop at (`Breakpoint 1, FUNC (...) at FILE:LINE`
/// or `#0  FUNC (...) at FILE:LINE`): the last such line of `text`.
fn stop_in(text: &str) -> (String, String, usize) {
    let line = text
        .lines()
        .rev()
        // With several CPUs gdb names the thread (CPU) that stopped: `Thread 2 hit Breakpoint 1, `.
        .map(|l| {
            l.split_once(" hit ")
                .filter(|(t, _)| t.starts_with("Thread "))
                .map_or(l, |x| x.1)
        })
        .find(|l| {
            // (Not `Breakpoint 2 at 0x...: file F, line L.`, which reports a new breakpoint.)
            let hit = l.starts_with("Breakpoint ")
                && l.split_whitespace()
                    .nth(1)
                    .is_some_and(|n| n.ends_with(','));
            l.contains(" at ") && (hit || l.starts_with("#0"))
        })
        .unwrap_or_else(|| panic!("no stop in:\n{text}"));
    // (`Breakpoint N, FUNC (...)`: only that first comma; the arguments have more.)
    let after_label = match line.strip_prefix("Breakpoint ") {
        Some(rest) => rest.split_once(", ").map_or(line, |(_, func)| func),
        None => line,
    };
    let function = after_label
        .trim_start_matches("#0")
        .trim()
        .split(" (")
        .next()
        .unwrap_or("")
        .to_string();
    let (file, number) = line
        .rsplit_once(" at ")
        .unwrap()
        .1
        .rsplit_once(':')
        .unwrap();
    (function, file.to_string(), number.trim().parse().unwrap())
}

#[track_caller]
fn expect_stop(sections: &[(String, String)], name: &str, function: &str, file: &str, line: usize) {
    let text = section(sections, name);
    let stop = stop_in(text);
    assert_eq!(
        stop,
        (function.to_string(), file.to_string(), line),
        "stop {name}:\n{text}"
    );
}

/// The output of the commands after `mark NAME`; fails if gdb ended before them (a crash).
#[track_caller]
fn section<'a>(sections: &'a [(String, String)], name: &str) -> &'a str {
    match sections.iter().find(|(n, _)| n == name) {
        Some((_, text)) => text,
        None => {
            let last = sections
                .last()
                .map_or(("", ""), |(n, t)| (n.as_str(), t.as_str()));
            panic!(
                "gdb ended before `mark {name}`; the last section, {:?}:\n{}",
                last.0, last.1
            )
        }
    }
}

#[test]
fn one_ipc_from_client_through_the_kernel_to_the_server_and_back() {
    one_ipc_on(1);
}

/// The same session with two CPUs running in parallel: the breakpoints, `mikros step-ipc` and
/// `mikros tasks` follow the CPU that stopped.
#[test]
fn one_ipc_through_the_kernel_and_back_on_two_cpus() {
    one_ipc_on(2);
}

fn one_ipc_on(cpus: u8) {
    let client_file = IPCBENCH;
    let call_line = line_of(
        client_file,
        "match sys::call(IPCECHO, tag, [round, 0, 0, 0]) {",
    );
    let server_file = IPCECHO;
    let handler_line = line_of(server_file, "if request.label() == CAP_LABEL {");
    let fast_path = "kernel/src/fastpath.rs";
    let fast_call_line = line_of(fast_path, "pub fn fast_call") + 1;
    let sections = gdb_session_on(
        cpus,
        &["ipcbench"],
        &[
            &format!("mikros break ipcbench ipcbench.rs:{call_line}"),
            "mark client",
            "continue",
            "mikros break ipcbench kernel::sched::Kernel::fast_call<false>",
            "mark kernel",
            "continue",
            "mark kernel-msg",
            "mikros msg",
            "mark server",
            "mikros step-ipc",
            "mark tasks",
            "mikros tasks",
            "mark server-msg",
            "mikros msg",
            "mark request",
            "print *request",
            "mark sender",
            "mikros task request.sender",
            "mark endpoint",
            "mikros endpoint 0",
            "mark back",
            "mikros step-ipc",
            "mark caps",
            "mikros caps",
        ],
    );
    let closure = "ipcbench::echo";
    expect_stop(&sections, "client", closure, client_file, call_line);
    expect_stop(
        &sections,
        "kernel",
        "kernel::sched::Kernel::fast_call<false>",
        fast_path,
        fast_call_line,
    );
    let kernel_msg = section(&sections, "kernel-msg");
    assert!(
        kernel_msg.contains("(ipcbench): Call to slot ")
            && kernel_msg.contains(": label 0x1, 0 words, 0 caps"),
        "{kernel_msg}"
    );
    expect_stop(
        &sections,
        "server",
        "ipcecho::main::{closure#0}",
        server_file,
        handler_line,
    );
    assert!(section(&sections, "server").contains("mikros: Call by task"));

    // Each task on a line: `*` marks the current one; the client waits for the server's reply.
    let tasks = section(&sections, "tasks");
    let row = |name: &str| {
        tasks
            .lines()
            .find(|l| l.split_whitespace().nth(2) == Some(name) || l.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("no {name} in:\n{tasks}"))
    };
    let server_row = row("ipcecho");
    assert!(
        server_row.starts_with('*') && server_row.contains("running"),
        "{tasks}"
    );
    let server_index = server_row[1..].split_whitespace().next().unwrap();
    let client_row = row("ipcbench");
    assert!(
        client_row.contains("awaiting a reply")
            && client_row.contains(&format!("from task {server_index} (ipcecho)")),
        "{tasks}"
    );
    assert!(row("init").contains("0x"), "address spaces: {tasks}");
    assert!(row("memsrv").contains("receiving"), "{tasks}");

    let server_msg = section(&sections, "server-msg");
    assert!(
        server_msg.contains("(ipcbench), which awaits the reply to: label 0x1, 0 words, 0 caps"),
        "{server_msg}"
    );
    let request = section(&sections, "request");
    assert!(
        request.contains("Received from task") && request.contains("(ipcbench)"),
        "{request}"
    );
    assert!(request.contains("CALL"), "{request}");
    assert!(
        request.contains("MsgTag(label 0x1, 0 words, 0 caps)"),
        "{request}"
    );
    let sender = section(&sections, "sender");
    assert!(sender.contains("(ipcbench)"), "{sender}");
    let endpoint = section(&sections, "endpoint");
    assert!(endpoint.contains("capabilities to it:"), "{endpoint}");
    assert!(endpoint.contains("(init) slot"), "{endpoint}");

    expect_stop(&sections, "back", closure, client_file, call_line + 1);
    let caps = section(&sections, "caps");
    assert!(
        caps.contains("(ipcbench):") && caps.contains(": Endpoint ") && caps.contains("SEND"),
        "{caps}"
    );
}

/// `mikros count`: from the client's call line to the kernel's IPC fast path, one instruction at a
/// time: the total, kernel and user, and the functions they ran in (the entry's, userlib's).
#[test]
fn count_the_instructions_from_a_call_to_the_fast_path() {
    let call_line = line_of(
        IPCBENCH,
        "match sys::call(IPCECHO, tag, [round, 0, 0, 0]) {",
    );
    let sections = gdb_session(
        &["ipcbench"],
        &[
            &format!("mikros break ipcbench ipcbench.rs:{call_line}"),
            "continue",
            "mark count",
            "mikros count kernel::sched::Kernel::fast_call<false>",
        ],
    );
    let count = section(&sections, "count");
    let summary = count
        .lines()
        .find(|l| l.starts_with("mikros: ") && l.contains(" instructions ("))
        .unwrap_or_else(|| panic!("no total:\n{count}"));
    let numbers: Vec<u64> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let [total, kernel, user] = numbers[..] else {
        panic!("{summary}");
    };
    assert!(kernel > 0 && user > 0 && total == kernel + user, "{count}");
    let row = |side: &str, name: &str| {
        count.lines().any(|l| {
            let mut words = l.split_whitespace();
            let counted = words.next().is_some_and(|n| n.parse::<u64>().is_ok());
            counted && words.next() == Some(side) && l.contains(name)
        })
    };
    assert!(row("K", "call_from_user") && row("U", "userlib"), "{count}");
    assert_eq!(stop_in(count).1, "kernel/src/fastpath.rs", "{count}");
}

/// A typed call (`userlib::rpc`): `step-ipc` from the client's call lands on the first line of the
/// server's handler (not in serde's derived decoding below it) and back on the client's line after
/// the call; `mikros msg` decodes the request (in registers, and a long one through the IPC
/// buffer) with the protocol's Rust types; heapless strings and byte vectors print as text; and
/// `finish` out of a function returning `Option::Some(request)` does not crash gdb 13.
#[test]
fn a_typed_call_into_the_handler_and_back() {
    let put_line = line_of(KV_CLIENT, "kv.call(&Request::Put {");
    let after_put = line_after(KV_CLIENT, put_line, "};");
    let handler_line = line_of(KV_SERVER, "let store = self.0.entry(");
    let sections = gdb_session(
        &["kvclient"],
        &[
            &format!("mikros break kvclient kvclient.rs:{put_line}"),
            "mark client",
            "continue",
            "mark handler",
            "mikros step-ipc",
            "mark msg",
            "mikros msg",
            "mark request",
            "print request",
            "mark finish-handler",
            "finish",
            "mark back",
            "mikros step-ipc",
            // The next request is the long one: 265 bytes, most in the IPC buffer.
            "delete",
            &format!("mikros break kv userlib::rpc::decoder::decode<{KV_PROTOCOL}::Request>"),
            "mark decode",
            "continue",
            "mark long-msg",
            "mikros msg",
            // decode returns Option::Some(request) by value: gdb 13.1 died printing it.
            "mark finish-decode",
            "finish",
            "mark alive",
            "mikros tasks",
        ],
    );
    expect_stop(
        &sections,
        "client",
        "kvclient::main::{closure#1}",
        KV_CLIENT,
        put_line,
    );
    expect_stop(
        &sections,
        "handler",
        "kv::{impl#0}::handle",
        KV_SERVER,
        handler_line,
    );
    assert!(
        section(&sections, "handler").contains(", in its handler"),
        "{}",
        section(&sections, "handler")
    );

    let msg = section(&sections, "msg");
    assert!(
        msg.contains("(kvclient), which awaits the reply to: label 0x4b560010, 2 words"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "typed request, protocol id 0x4b56 ({KV_PROTOCOL}::Kv), 16 bytes: \
             Put {{ key: \"greeting\", value: b\"hello\" }}"
        )),
        "{msg}"
    );
    let request = section(&sections, "request");
    assert!(
        request.contains(&format!(
            "{KV_PROTOCOL}::Request::Put{{key: \"greeting\", value: b\"hello\"}}"
        )),
        "{request}"
    );
    assert!(
        section(&sections, "finish-handler").contains("Value returned is"),
        "{}",
        section(&sections, "finish-handler")
    );
    expect_stop(
        &sections,
        "back",
        "kvclient::main::{closure#1}",
        KV_CLIENT,
        after_put,
    );

    let long = section(&sections, "long-msg");
    assert!(
        long.contains(&format!(
            "typed request, protocol id 0x4b56 ({KV_PROTOCOL}::Kv), 265 bytes: \
             Put {{ key: \"bytes\", value: b\"\\0\\x01\\x02\\x03"
        )),
        "{long}"
    );
    let finish = section(&sections, "finish-decode");
    assert!(finish.contains("Value returned is"), "{finish}");
    assert!(!finish.contains("internal-error"), "{finish}");
    assert!(
        section(&sections, "alive").contains("kvclient"),
        "{}",
        section(&sections, "alive")
    );
}
