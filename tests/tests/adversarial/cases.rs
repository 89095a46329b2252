//! The adversarial suite's specification: the one outcome each case of `attack` and `rogue` must
//! have (numbered as in `tests/programs/src/bin/attack/` and `.../rogue/`).
use super::{Case, Expect, Expect::*};
use system_tests::*;

pub const GP0: &[&str] = &["#GP general protection (vector 13) error=0x0 at"];
pub const UD: &[&str] = &["#UD invalid opcode (vector 6)"];
pub const DB: &[&str] = &["#DB debug (vector 1)"];
pub const BP: &[&str] = &["#BP breakpoint (vector 3)"];

/// A #GP whose error code is `selector`.
pub fn gp(selector: u16) -> Vec<String> {
    vec![format!(
        "#GP general protection (vector 13) error={selector:#x} at"
    )]
}

pub fn killed(reasons: &[&str]) -> Expect {
    Killed(reasons.iter().map(|r| r.to_string()).collect())
}

/// `attack`'s cases the kernel must kill, with the reason init must give.
pub fn attack_kills() -> Vec<(u64, Vec<String>)> {
    let r = |reasons: &[&str]| reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>();
    let base = runner::catalog::find("attack").expect("listed").link_base();
    let image = image_prefix("attack");
    [
        (1, r(&["page fault reading 0xffff800000000000 "])),
        (2, r(&["page fault writing 0xffff800000000000 "])),
        (3, r(&["page fault executing 0xffff800000000000 "])),
        (4, r(&["page fault writing 0xffff800000100000 "])),
        (5, r(&["page fault reading 0xffffffff80000000 "])),
        (6, r(&["page fault writing 0xffffffff80000000 "])),
        (7, r(&["page fault executing 0xffffffff80000000 "])),
        // The GDT and IDT are kernel statics: somewhere in the kernel image.
        (8, r(&["page fault reading 0xffffffff8"])),
        (9, r(&["page fault writing 0xffffffff8"])),
        (10, r(&["page fault reading 0xffffc00000000000 "])),
        (11, r(GP0)),
        (12, r(GP0)),
        (13, r(GP0)),
        (14, r(&["page fault reading 0x0 "])),
        (15, r(&["page fault reading 0x7ffffffff000 "])),
        (16, r(&["page fault writing 0x7ffffffffffc "])),
        (17, vec![format!("page fault writing {base:#x} ")]),
        // Its code, data and stack: attack's image is in the 16 MiB from its link base, the stack
        // ends at 0x7fff_fffe_f000.
        (18, vec![format!("page fault writing {image}")]),
        (19, r(&["page fault executing 0x7ffffffe"])),
        (20, vec![format!("page fault executing {image}")]),
        (21, r(&["page fault executing 0x7fffffff0000 "])),
        (22, r(&["page fault executing 0xb8000 "])),
        (100, r(GP0)),
        (101, r(GP0)),
        (102, r(GP0)),
        (
            103,
            r(&["in/out to port 0x3f8 without an I/O-port capability"]),
        ),
        (
            104,
            r(&["in/out to port 0xf4 without an I/O-port capability"]),
        ),
        (105, r(GP0)),
        (106, r(GP0)),
        (107, r(GP0)),
        (108, r(GP0)),
        (109, r(GP0)),
        (110, r(GP0)),
        (111, r(GP0)),
        (112, r(GP0)),
        (113, r(GP0)),
        (114, r(GP0)),
        (115, r(GP0)),
        (116, r(GP0)),
        (117, r(GP0)),
        (118, r(GP0)),
        (119, r(GP0)),
        (120, r(GP0)),
        (121, r(GP0)),
        (122, r(GP0)),
        (123, r(GP0)),
        (124, r(UD)),
        (125, r(UD)),
        (126, r(GP0)),
        (127, r(GP0)),
        // iretq and a far return to the kernel's code segment: #GP naming it; QEMU reads the
        // frame from the user stack as the kernel would, and SMAP makes that a page fault.
        (128, r(&["error=0x8 at", "page fault reading 0x7ffffffe"])),
        (129, r(&["error=0x8 at", "page fault reading 0x7ffffffe"])),
        (130, gp(0x28)),
        (131, gp(0x10)),
        (132, gp(0x10)),
        (133, gp(0x50)),
        (134, gp(0x28)),
        (135, r(GP0)),
        // sysenter: #UD on AMD and in QEMU, #GP(0) on Intel (no SYSENTER_CS set).
        (136, r(&["#UD invalid opcode (vector 6)", "error=0x0 at"])),
        (137, r(BP)),
        (138, r(UD)),
        // icebp: #DB on hardware; #UD in QEMU.
        (
            139,
            r(&["#DB debug (vector 1)", "#UD invalid opcode (vector 6)"]),
        ),
        (140, r(UD)),
        (141, r(UD)),
        (142, r(GP0)),
        (143, r(GP0)),
        (144, r(UD)),
        (202, r(DB)),
        (204, r(GP0)),
        (207, r(&["page fault writing 0xffffffff80000ff8 "])),
        // A push at a non-canonical address: #SS in the manuals, #GP in QEMU.
        (
            208,
            r(&[
                "#SS stack fault (vector 12)",
                "#GP general protection (vector 13)",
            ]),
        ),
        (209, r(&["page fault writing 0xfffffffffffffff8 "])),
        (210, r(&["page fault writing 0x7ffffffffff8 "])),
        // TF set for a syscall: the trap due at the kernel's entry point is the kernel's to
        // absorb; the next user instruction traps and kills the program.
        (211, r(DB)),
    ]
    .into()
}

/// `attack`'s cases that must be refused, with the error.
pub const ATTACK_REFUSALS: &[(u64, &str)] = &[
    (802, "WrongKind"),
    (803, "EmptySlot"),
    (300, "BadAddress"),
    (301, "BadAddress"),
    (302, "BadAddress"),
    (303, "BadAddress"),
    (304, "BadAddress"),
    (305, "NotMapped"),
    (306, "NotMapped"),
    (307, "NotMapped"),
    (308, "NotMapped"),
    (309, "NotMapped"),
    (310, "InvalidArgument"),
    (311, "InvalidArgument"),
    (312, "InvalidArgument"),
    (400, "EmptySlot"),
    (401, "InvalidSlot"),
    (402, "InvalidSlot"),
    (403, "MissingRights"),
    (404, "MissingRights"),
    (405, "WrongKind"),
    (406, "WrongKind"),
    (407, "WrongKind"),
    (408, "WrongKind"),
    (409, "EmptySlot"),
    (410, "MissingRights"),
    (411, "MissingRights"),
    (412, "EmptySlot"),
    (413, "StaleCap"),
    (414, "StaleCap"),
    (415, "StaleCap"),
    (416, "StaleCap"),
    (417, "InvalidArgument"),
    (418, "InvalidArgument"),
    (419, "InvalidArgument"),
    (420, "InvalidArgument"),
    (421, "SlotOccupied"),
    (422, "InvalidSlot"),
    (423, "EmptySlot"),
    (424, "WrongKind"),
    (425, "WrongKind"),
    (426, "EmptySlot"),
    (427, "WrongKind"),
    (428, "WrongKind"),
    (429, "WrongKind"),
    (430, "WrongKind"),
    (431, "WrongKind"),
    (432, "EmptySlot"),
    (433, "InvalidSlot"),
    (434, "UnknownSyscall"),
    (435, "UnknownSyscall"),
    (436, "UnknownSyscall"),
    (437, "UnknownSyscall"),
    (438, "MissingRights"),
    (442, "WrongKind"),
    (450, "WrongKind"),
    (451, "WrongKind"),
    (452, "WrongKind"),
    (453, "WrongKind"),
    (454, "WrongKind"),
    (455, "EmptySlot"),
    (456, "InvalidSlot"),
    (470, "WrongKind"),
    (471, "WrongKind"),
    (472, "WrongKind"),
    (473, "WrongKind"),
    (474, "EmptySlot"),
    (475, "InvalidSlot"),
    (476, "WrongKind"),
    (477, "WrongKind"),
    (478, "EmptySlot"),
    (500, "NoReplyTarget"),
    (501, "NoReplyTarget"),
    (502, "NoReplyTarget"),
    (503, "NoReplyTarget"),
    (511, "InvalidArgument"),
    (512, "InvalidArgument"),
    (513, "InvalidArgument"),
    (514, "InvalidArgument"),
    (515, "InvalidArgument"),
    (516, "InvalidArgument"),
    (517, "InvalidArgument"),
    (518, "InvalidArgument"),
    (519, "InvalidArgument"),
    (520, "InvalidArgument"),
    (521, "InvalidArgument"),
    (522, "MissingRights"),
    (523, "MissingRights"),
    (524, "MissingRights"),
];

/// `attack`'s cases that run alone and must survive with their checks passing, with a line each
/// must leave in the transcript (beyond its own verdict).
pub const ATTACK_SURVIVALS: &[(u64, &str)] = &[
    // Lines that look like init's and the kernel's come out marked with the writer's name, and
    // terminal escapes inert: no one can end the run early in a reader's eyes, or drive the
    // developer's terminal.
    (800, "attack: init: all programs done: success"),
    (800, "attack: kernel: shutdown requested by task 0: Success"),
    (801, "attack: ?]0;pwned??[2J?1;1H"),
    (201, "attack: AC set, DebugWrite still works"),
    (203, ""),
    // The kernel copied the text forwards although the caller's DF was set.
    (
        205,
        "attack: written with DF set, copied forwards: 0123456789abcdef",
    ),
    (206, ""),
    (313, "<invalid UTF-8>"),
    (439, ""),
    (440, ""),
    (441, ""),
    (504, ""),
    // Init must see through every forgery (and say so), and refuse the forged calls.
    (505, "memsrv: ignored message 0xffff0003 from attack"),
    (506, "memsrv: ignored message 0xffff0001 from attack"),
    (507, "memsrv: ignored message 0xffff0002 from attack"),
    (508, "memsrv: ignored message 0xffff0003 from attack"),
    (509, "memsrv: ignored message 0xffff0001 from attack"),
    (510, "memsrv: ignored message 0xffff0001 from attack"),
    // Only the viewer's endpoint (badged OBSERVER) gets answers to these.
    (527, ""),
    // The memory server's protocol misused: a sent Wait is ignored (and said so), the null page,
    // the system's programs and the checks are refused.
    (700, "memsrv: ignored message 0x4 from attack"),
    (701, ""),
    (702, ""),
    (703, ""),
    (706, ""),
    // Only the good spawn's words reach a program, whole.
    (707, ": past the checks"),
];

/// Cases several `attack` instances play together in one batch (the serving one registers
/// "attack-pair" with the name service, the others look it up).
pub fn attack_groups() -> Vec<Vec<Case>> {
    let case = |number, expect| Case {
        program: "attack",
        number,
        expect,
    };
    let survivors = |numbers: &[u64]| numbers.iter().map(|&n| case(n, Survives)).collect();
    vec![
        survivors(&[600, 601]),
        survivors(&[602, 603]),
        survivors(&[604, 605]),
        survivors(&[606, 607]),
        survivors(&[608, 609]),
        vec![case(610, Survives), case(611, Refused("PeerDied"))],
        survivors(&[612, 613, 614]),
        survivors(&[615, 616]),
        // Two NT cases together: each yields to one the timer interrupted (resumed by iretq).
        survivors(&[200, 200]),
    ]
}

/// `rogue`'s cases: the kernel must kill 50-52, refuse the listed ones, and let the rest survive.
pub const ROGUE_REFUSALS: &[(u64, &str)] = &[
    (1, "FrameInUse"),
    (2, "BadFrame"),
    (4, "BadFrame"),
    (6, "BadAddress"),
    (8, "AlreadyMapped"),
    (10, "InvalidArgument"),
    (19, "MissingRights"),
    (100, "InUse"),
    (101, "BadTaskState"),
    (102, "StaleCap"),
    (104, "WrongKind"),
    (105, "StaleCap"),
    (106, "MissingRights"),
    (107, "MissingRights"),
    (108, "MissingRights"),
    (109, "MissingRights"),
    (110, "MissingRights"),
    (111, "MissingRights"),
    (112, "SlotOccupied"),
    (113, "InvalidSlot"),
    (130, "MissingRights"),
    (131, "MissingRights"),
    (132, "StaleCap"),
    (133, "InUse"),
    (134, "InvalidArgument"),
    (135, "EmptySlot"),
    (140, "InUse"),
    (141, "InUse"),
    (142, "InvalidArgument"),
    (143, "InUse"),
    (144, "StaleCap"),
    (145, "InvalidArgument"),
    (146, "InvalidArgument"),
    (150, "InvalidArgument"),
    (151, "InvalidArgument"),
    (152, "InvalidArgument"),
    (153, "AlreadyMapped"),
    (154, "InvalidArgument"),
    (155, "InvalidArgument"),
    (156, "MissingRights"),
    (157, "WrongKind"),
    (158, "BadFrame"),
    (159, "BadFrame"),
    (160, "BadFrame"),
];
pub const ROGUE_SURVIVALS: &[(u64, &str)] = &[
    (3, ""),
    (5, ""),
    (7, ""),
    (9, ""),
    (11, ""),
    (12, ""),
    (13, ""),
    (14, ""),
    (15, ""),
    (16, ""),
    (17, ""),
    (18, ""),
    (103, ""),
    (114, ""),
    (115, ""),
    (116, ""),
    (117, ""),
    (118, ""),
    (136, ""),
    (137, ""),
    (147, ""),
    (161, ""),
    (200, ""),
    (201, ""),
    (202, ""),
    (203, ""),
    (204, ""),
    (205, ""),
    (206, ""),
    (207, ""),
    (208, ""),
    (209, ""),
    (210, ""),
    (211, ""),
    (212, ""),
    // A helper whose fault endpoint went away is killed by the kernel itself.
    (213, "(rogue-helper) killed: #UD invalid opcode (vector 6)"),
    (214, ""),
    (215, ""),
    (216, ""),
    (218, ""),
    (219, ""),
    // A helper's exit notice under the rogue's badge: init must see it is about another task.
    (
        217,
        "init: ignored kernel message 0xffff0003 from rogue (pid ",
    ),
];
/// `rogue`'s cases the kernel must kill: executing its data (in its image), writing past its stack
/// (which ends at 0x7fff_fffe_f000).
pub fn rogue_kills() -> [(u64, String); 3] {
    let image = image_prefix("rogue");
    [
        (50, format!("page fault executing {image}")),
        (51, format!("page fault executing {image}")),
        (52, "page fault writing 0x7ffffffe".to_string()),
    ]
}
