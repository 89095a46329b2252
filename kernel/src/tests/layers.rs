//! The kernel's layering, checked on its source: every unit may use only the units listed before it
//! in [`LAYERS`], so a lower layer never depends on a higher one and no two units depend on each
//! other. A use is a `crate::` or `super::` path, the `kprintln!` macro (the console's),
//! or a call of a `Kernel` method that another unit defines (`impl Kernel` blocks are spread over
//! units, so method calls are dependencies no `use` line shows). Test code is not checked.
use std::collections::BTreeMap;
use std::path::Path;

/// The kernel's units, lowest first. A unit is a file or a folder (`sched`, `syscall`: their files
/// use each other); `arch`, `mem` and `obj` are their `mod.rs`.
const LAYERS: &[&str] = &[
    // The CPU: ports and protections, the local APIC, per-CPU state, traps, the raw syscall entry
    // and exit, segments, serial port, QEMU exit; ACPI, the I/O APIC and starting the other CPUs.
    "arch/cpu",
    "arch/apic",
    "arch/percpu",
    "arch/trap",
    "arch/gdt",
    "arch/idt",
    "arch/serial",
    "arch/exit",
    "arch/entry",
    "arch/madt",
    "arch/ioapic",
    "arch/smp",
    "arch",
    // Devices and the console.
    "irq",
    "console",
    "panic",
    // Memory: the physical window, frames, page tables.
    "mem/phys",
    "mem/frames",
    "mem/paging",
    "mem/device",
    "mem/range",
    "mem/user",
    "mem/audit",
    "mem",
    // Kernel objects.
    "obj/table",
    "obj/cap",
    "obj/space",
    "obj/task",
    "obj/endpoint",
    "obj/notification",
    "obj/irq",
    "obj",
    // The kernel state and what it does: scheduling, reclaiming, IPC, faults, the fast path.
    "sched",
    "reclaim",
    "ipc",
    "fault",
    "fastpath",
    // The syscalls.
    "syscall",
    // The glue: the entry handlers, loading init, boot.
    "entry",
    "first_server",
    "boot",
];

/// A source file's code: comments, the contents of string literals and `#[cfg(test)]` items
/// blanked (rustfmt ends a multi-line item with a `}` line indented as it is).
fn code_of(text: &str) -> String {
    let (mut code, mut in_string) = (String::new(), false);
    let (mut test_item, mut test_block) = (None, None);
    for line in text.lines() {
        let (trimmed, indent) = (line.trim_start(), line.len() - line.trim_start().len());
        if trimmed == "#[cfg(test)]" {
            test_item = Some(indent);
        } else if let Some(indent) = test_item.take() {
            test_block = (!trimmed.ends_with(';')).then_some(indent);
        } else if let Some(end) = test_block {
            test_block = test_block.filter(|_| indent != end || !trimmed.starts_with('}'));
        } else {
            for (at, c) in line.char_indices() {
                if c == '"' && !line[..at].ends_with('\\') {
                    in_string = !in_string;
                } else if !in_string && line[at..].starts_with("//") {
                    break;
                }
                // Blank, as is anything not ASCII, so that byte offsets are character offsets.
                let blank = (in_string && c != '"') || !c.is_ascii();
                code.push(if blank { ' ' } else { c });
            }
        }
        code.push('\n');
    }
    code
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_len(text: &str) -> usize {
    text.find(|c| !is_ident(c)).unwrap_or(text.len())
}

/// Whether `text` has `word` at byte `at`, not as the end of a longer identifier or path.
fn word_at(text: &str, at: usize, word: &str) -> bool {
    text[at..].starts_with(word) && !text[..at].ends_with(|c| is_ident(c) || c == ':')
}

/// Reads the `use` tree (or path) at the start of `text`, under `prefix`, into the paths it names
/// (`a::{b, c::d}` names `a::b` and `a::c::d`); returns the bytes read.
fn paths(text: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let (mut path, mut at) = (prefix.to_vec(), 0);
    loop {
        if text[at..].starts_with('{') {
            at += 1;
            loop {
                let item = text[at..].trim_start_matches(|c: char| c.is_whitespace() || c == ',');
                at = text.len() - item.len();
                if text[at..].starts_with('}') || at == text.len() {
                    return at + 1;
                }
                // At least one byte, so a glob (`*`) cannot stop the reading.
                at += paths(&text[at..], &path, out).max(1);
            }
        }
        let len = ident_len(&text[at..]);
        if !matches!(&text[at..at + len], "" | "self") {
            path.push(text[at..at + len].to_string());
        }
        at += len;
        if len == 0 || !text[at..].starts_with("::") {
            out.push(path);
            return at;
        }
        at += 2;
    }
}

/// The unit a path from the crate root names.
fn unit_of_path(path: &[String]) -> Option<&'static str> {
    if matches!(
        path.first().map(String::as_str),
        Some("kprint" | "kprintln")
    ) {
        return Some("console");
    }
    (1..=path.len())
        .rev()
        .find_map(|n| LAYERS.iter().find(|u| **u == path[..n].join("/")))
        .copied()
}

/// The module of a source file, from its path under `src` without `.rs`.
fn module_of(file: &str) -> Vec<String> {
    file.split('/')
        .filter(|s| *s != "mod")
        .map(String::from)
        .collect()
}

/// The unit a source file belongs to, from its path under `src` without `.rs`.
fn unit_of_file(file: &str) -> Option<&'static str> {
    unit_of_path(&module_of(file))
}

/// The names of the `Kernel` methods a file's code defines (in `impl Kernel` blocks, which
/// rustfmt ends with a `}` line).
fn kernel_methods(code: &str) -> Vec<String> {
    let (mut names, mut inside) = (Vec::new(), false);
    for line in code.lines() {
        inside = match line {
            "impl Kernel {" => true,
            "}" => false,
            _ => inside,
        };
        let method = line.strip_prefix("    ").filter(|l| !l.starts_with(' '));
        if let Some(name) = method
            .and_then(|l| l.split("fn ").nth(1))
            .filter(|_| inside)
        {
            names.push(name[..ident_len(name)].to_string());
        }
    }
    names
}

/// Every unit each unit uses: (user, used, what shows it).
fn uses(sources: &BTreeMap<String, String>) -> Vec<(&'static str, &'static str, String)> {
    let mut defined_in = BTreeMap::new();
    for (file, code) in sources {
        for name in kernel_methods(code) {
            defined_in.insert(name, unit_of_file(file).unwrap());
        }
    }
    let mut found = Vec::new();
    for (file, code) in sources {
        let unit = unit_of_file(file).unwrap();
        // The file's module, from which each `super` goes one up.
        let module = module_of(file);
        let has_kernel = code.contains("Kernel");
        for at in 0..code.len() {
            let mut named = Vec::new();
            if word_at(code, at, "crate::") {
                paths(&code[at + 7..], &[], &mut named);
            } else if word_at(code, at, "super::") {
                let (mut base, mut rest) = (module.clone(), at);
                while code[rest..].starts_with("super::") {
                    base.pop();
                    rest += 7;
                }
                paths(&code[rest..], &base, &mut named);
            } else if word_at(code, at, "kprintln!") {
                named.push(vec!["kprint".to_string()]);
            }
            for path in named {
                let used = unit_of_path(&path)
                    .unwrap_or_else(|| panic!("{file}.rs: `{}` is in no layer", path.join("::")));
                found.push((unit, used, format!("{file}.rs: {}", path.join("::"))));
            }
            // A method call (or a method named as a value) on the kernel state. Only units that
            // name `Kernel` can hold one.
            for receiver in ["self.", "k.", "Kernel::"].iter().filter(|_| has_kernel) {
                let Some(rest) = word_at(code, at, receiver).then(|| &code[at + receiver.len()..])
                else {
                    continue;
                };
                let name = &rest[..ident_len(rest)];
                let after = &rest[name.len()..];
                let called = after.starts_with('(') || after.starts_with("::<");
                if let Some(used) = defined_in.get(name).filter(|_| called) {
                    found.push((unit, *used, format!("{file}.rs: {receiver}{name}")));
                }
            }
        }
    }
    found
}

/// The kernel's source files (module path under `src`, code), but for the crate root, the
/// binaries and the host tests.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            if path.is_dir() && !name.ends_with("tests") && name != "bin" {
                walk(&path, root, out);
            } else if let Some(module) = name.strip_suffix(".rs") {
                if !["lib", "main"].contains(&module) && path.is_file() {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.insert(module.to_string(), code_of(&text));
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

fn rank(unit: &str) -> usize {
    LAYERS.iter().position(|u| *u == unit).unwrap()
}

#[test]
fn every_unit_uses_only_the_units_below_it() {
    let sources = sources();
    for file in sources.keys() {
        assert!(unit_of_file(file).is_some(), "{file}.rs is in no layer");
    }
    let upward: Vec<String> = uses(&sources)
        .into_iter()
        .filter(|(user, used, _)| user != used && rank(used) > rank(user))
        .map(|(user, used, why)| format!("{user} uses {used} ({why})"))
        .collect();
    assert!(
        upward.is_empty(),
        "uses of higher units:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_sees_every_kind_of_use() {
    let code = code_of(
        "use crate::mem::{frames::{A, B}, phys};\nuse super::gdt; // crate::boot\n\
         fn f(k: &mut Kernel) { kprintln!(\"crate::ipc\"); k.send(1); }\n\
         impl Kernel {\n    pub fn send(&mut self) {}\n}\n#[cfg(test)]\nmod tests { use crate::boot; }\n",
    );
    let sources = BTreeMap::from([("arch/idt".to_string(), code)]);
    let found: Vec<(&str, String)> = uses(&sources)
        .into_iter()
        .map(|(_, used, why)| (used, why))
        .collect();
    let used: Vec<&str> = found.iter().map(|(u, _)| *u).collect();
    assert_eq!(
        used,
        [
            "mem/frames",
            "mem/frames",
            "mem/phys",
            "arch/gdt",
            "console",
            "arch/idt"
        ],
        "{found:?}"
    );
}
