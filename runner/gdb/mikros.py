"""gdb commands for mikros: the kernel's tasks, capabilities and endpoints, messages, breakpoints
limited to one program, and following an IPC from one side to the other.

Loaded by the gdbinit the runner writes (`make run-gdb`, `cargo run -- --gdb`); see
docs/debugging.md. Everything is read from the kernel's one state static field by field, never
as a whole (the task table alone is 150 KB, over gdb's max-value-size).

    mikros tasks              every task: index, id, name, state, what it waits on, address space
    mikros caps [TASK]        a task's capabilities (default: the current task)
    mikros endpoint N         an endpoint's queue, and who holds capabilities to it
    mikros msg [TASK]         the message a task is sending, serving, or has just received;
                              a typed one decoded (protocol, variant, fields)
    mikros break PROG LOC     a breakpoint that stops only when PROG is the running task
    mikros step-ipc           run to the other side of the current IPC (receiver or caller)
    mikros task ID            a task id (`request.sender`, `$r12`) or index, named
    mikros console [N]        the last N lines of the guest's console (gdb sessions of the runner)

TASK is an index (as `mikros tasks` shows) or a program name. Pretty-printers show MsgTag,
kernel capabilities, tasks, task states and endpoint queues (task indices named),
`userlib::ipc::Received` (its sender named), heapless String, Vec and IndexMap (their contents, not
their buffers), and (gdb 13) Rust enums gdb itself would crash on (see UnresolvedEnumPrinter).

Typed protocols (userlib::rpc): `mikros msg` decodes a typed message's postcard bytes with the
protocol's Rust types, found in the debug info of the programs at both ends; `mikros step-ipc`
stops in a typed server's handler and on a typed client's line after its call.
"""
import os
import re

import gdb
import gdb.printing

KERNEL_STATIC = "kernel::entry::KERNEL"
# Addresses from here up are the kernel's (abi::layout: user space is the lower half).
KERNEL_HALF = 0xFFFF_8000_0000_0000
NO_TASK = 0xFFFF
# abi::sysnum: the IPC system calls.
SEND, RECV, CALL, REPLY, REPLY_RECV = 4, 5, 6, 7, 8
IPC_SYSCALLS = {SEND: "Send", RECV: "Recv", CALL: "Call", REPLY: "Reply", REPLY_RECV: "ReplyRecv"}
# userlib::sys::NO_REPLY: ReplyRecv without a reply.
NO_REPLY = (1 << 64) - 1
# abi::cap::Rights bits and abi::msg::MsgTag's layout and delivery flags (bit constants are not in
# the debug info; the gdb system test checks these decodings against a real run).
RIGHTS = ["SEND", "RECEIVE", "GRANT", "MAP", "READ", "CONTROL"]
TAG_FLAGS = [(1 << 44, "CALL"), (1 << 45, "KERNEL"), (1 << 46, "CAPS_LOST")]
KERNEL_LABELS = {0xFFFF0001: "PAGE_FAULT", 0xFFFF0002: "EXCEPTION", 0xFFFF0003: "EXIT"}
CONSOLE_LOG = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "target",
    "gdb-console.log",
)


# --- Reading the kernel's state ---------------------------------------------------------------


def kernel():
    """The kernel's state; found by symbol, so that it works whatever language gdb is in (C in
    code without debug info, such as the bootloader's)."""
    symbol = gdb.lookup_static_symbol(KERNEL_STATIC) or gdb.lookup_global_symbol(KERNEL_STATIC)
    if symbol is None:
        raise gdb.GdbError(f"no {KERNEL_STATIC}: is the kernel's symbol file loaded?")
    try:
        return symbol.value()["__0"]["value"]
    except gdb.MemoryError:
        raise gdb.GdbError("the kernel's memory is not mapped yet (it is still booting)")


def variant(value):
    """(name, payload) of the active variant of a Rust enum value (gdb resolves it per value)."""
    for field in value.type.fields():
        if field.name is not None and not field.artificial:
            return field.name, value[field]
    return None, None


def some(value):
    """The payload of `Some(x)`, or None."""
    name, payload = variant(value)
    return payload["__0"] if name == "Some" else None


def live_objects(table):
    """(index, generation, object) of every live entry of a kernel ObjTable."""
    entries = table["entries"]
    for index in range(entries.type.range()[1] + 1):
        entry = entries[index]
        obj = some(entry["obj"])
        if obj is not None:
            yield index, int(entry["gen"]), obj


def task_at(index):
    if index is None or not 0 <= index < NO_TASK:
        return None
    entries = kernel()["tasks"]["entries"]
    if index > entries.type.range()[1]:
        return None
    return some(entries[index]["obj"])


def current_index():
    """The task the kernel runs (or is running a syscall for), or None."""
    index = some(kernel()["current"])
    return None if index is None else int(index)


def name_of(task):
    raw = bytes(gdb.selected_inferior().read_memory(task["name"].address, 16))
    return raw.split(b"\0")[0].decode(errors="replace") or "?"


def label(index):
    """`task 3 (ipcbench)`."""
    task = task_at(index)
    return f"task {index} ({name_of(task) if task is not None else 'gone'})"


def task_id_text(task_id):
    """A task id as user space sees it (generation << 16 | index), decoded."""
    index, gen = task_id & 0xFFFF, task_id >> 16
    task = task_at(index)
    if task is not None and int(task["id"]) == task_id:
        return f"{label(index)}, id {task_id:#x}"
    return f"id {task_id:#x} (index {index}, generation {gen}: no such task now)"


def pc():
    return int(gdb.parse_and_eval("$pc")) & ((1 << 64) - 1)


def in_kernel():
    return pc() >= KERNEL_HALF


def resolve_task(argument):
    """An index or a program name; none: the current task."""
    argument = argument.strip()
    if not argument:
        index = current_index()
        if index is None:
            raise gdb.GdbError("no current task (the kernel is idle or still booting)")
        return index
    if argument.isdigit():
        if task_at(int(argument)) is None:
            raise gdb.GdbError(f"no task {argument}")
        return int(argument)
    matches = [i for i, _, t in live_objects(kernel()["tasks"]) if name_of(t) == argument]
    if not matches:
        raise gdb.GdbError(f"no task named {argument!r} (see `mikros tasks`)")
    return matches[0]


def scalar(value):
    """The integer inside a value, through wrapper structs (bitflags' Rights(InternalBitFlags(u32)))."""
    while value.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT:
        value = value[value.type.fields()[0]]
    return int(value)


def enum_name(value):
    """A fieldless enum's variant name (whatever the print format)."""
    enum_type = value.type.strip_typedefs()
    if enum_type.code == gdb.TYPE_CODE_ENUM:
        number = int(value)
        for field in enum_type.fields():
            if field.enumval == number:
                return field.name.rsplit("::", 1)[-1]
    return variant(value)[0] or str(value).rsplit("::", 1)[-1]


def rights_text(bits):
    names = [name for bit, name in enumerate(RIGHTS) if bits & (1 << bit)]
    return "|".join(names) if names else "none"


def tag_text(tag):
    """MsgTag decoded: label, words, capabilities, delivery flags."""
    tag = int(tag) & ((1 << 64) - 1)
    label_value = tag & 0xFFFF_FFFF
    words, caps = (tag >> 32) & 0xFF, (tag >> 40) & 0xF
    text = f"label {label_value:#x}"
    if label_value in KERNEL_LABELS:
        text += f" ({KERNEL_LABELS[label_value]})"
    text += f", {words} word{'s' if words != 1 else ''}, {caps} cap{'s' if caps != 1 else ''}"
    flags = [name for bit, name in TAG_FLAGS if tag & bit]
    if flags:
        text += ", " + "|".join(flags)
    if tag >> 47:
        text += f", unknown bits {tag >> 47 << 47:#x}"
    return text


def cap_text(cap):
    kind = enum_name(cap["kind"])
    if kind == "Empty":
        return "empty"
    index, gen, badge = int(cap["index"]), int(cap["gen"]), int(cap["badge"])
    target = f"{kind} {index}"
    if kind == "Task":
        target = label(index).replace("task", "Task", 1)
    text = f"{target} gen {gen}, {rights_text(scalar(cap['rights']))}"
    return text + (f", badge {badge:#x}" if badge else "")


def state_text(state):
    """(state, what it waits on) in words."""
    name, fields = variant(state)
    if name in ("Sending", "Receiving", "ReceivingUntil"):
        waits = f"endpoint {int(fields['endpoint'])}"
        if name == "ReceivingUntil":
            waits += f" until tick {int(fields['deadline'])}"
        return ("sending" if name == "Sending" else "receiving"), waits
    if name == "AwaitingReply":
        what = "its fault handled" if bool(fields["fault"]) else "a reply"
        return f"awaiting {what}", f"from {label(int(fields['server']))}"
    return (name or "?").lower(), ""


def queue_order(queue):
    """The task indices in an endpoint's TaskQueue (a ring), first to last."""
    head, length = int(queue["head"]), int(queue["len"])
    ring = queue["tasks"]
    size = ring.type.range()[1] + 1
    return [int(ring[(head + i) % size]) for i in range(length)]


def callers_of(server):
    """Tasks waiting for `server` to reply."""
    for index, _, task in live_objects(kernel()["tasks"]):
        name, fields = variant(task["state"])
        if name == "AwaitingReply" and int(fields["server"]) == server:
            yield index, task


def registers_message(regs):
    """The message words in a register block (rdi slot or badge, rsi tag, rdx r10 r8 r9)."""
    words = [int(regs[r]) for r in ("rdx", "r10", "r8", "r9")]
    count = min((int(regs["rsi"]) >> 32) & 0xFF, 4)
    return tag_text(regs["rsi"]), [f"{w:#x}" for w in words[:count]]


# --- Memory of any task -----------------------------------------------------------------------

PHYS_WINDOW = "kernel::mem::phys::WINDOW"
PAGE_SIZE = 4096
# abi::layout::IPC_BUFFER: every task's IPC buffer (abi::msg::IpcBuffer: message words first).
IPC_BUFFER = 0x0000_7FFF_FFFF_0000


def phys_window():
    """Where the kernel maps all physical memory (kernel::mem::phys)."""
    symbol = gdb.lookup_static_symbol(PHYS_WINDOW) or gdb.lookup_global_symbol(PHYS_WINDOW)
    if symbol is None:
        raise gdb.GdbError(f"no {PHYS_WINDOW} in the kernel's symbols")
    return scalar(symbol.value())


def read_phys(window, address, size):
    return bytes(gdb.selected_inferior().read_memory(window + address, size))


def read_task_memory(index, address, size):
    """`size` bytes at user `address` of task `index`'s address space, whichever space is current:
    its page tables are walked through the kernel's window onto physical memory."""
    window, root = phys_window(), int(task_at(index)["root"])
    data = b""
    while size > 0:
        frame = root
        for shift in (39, 30, 21, 12):
            at = frame * PAGE_SIZE + ((address >> shift) & 0x1FF) * 8
            entry = int.from_bytes(read_phys(window, at, 8), "little")
            if not entry & 1:
                raise gdb.GdbError(f"{address:#x} is not mapped in {label(index)}")
            frame = (entry & 0x000F_FFFF_FFFF_F000) // PAGE_SIZE
        offset = address % PAGE_SIZE
        count = min(size, PAGE_SIZE - offset)
        data += read_phys(window, frame * PAGE_SIZE + offset, count)
        address, size = address + count, size - count
    return data


# --- Typed messages (abi::wire, userlib::rpc) -------------------------------------------------

# abi::wire: a typed message's label is (protocol id or ReplyKind) << 16 | byte count; the bytes
# (postcard) fill the register words, then the IPC buffer's words.
WIRE_MAX_BYTES = 64 * 8
REG_WORDS = 4
REPLY_KINDS = {0: "Ok", 1: "Err", 2: "Rejected"}
REJECTIONS = {1: "WrongProtocol", 2: "BadLength", 3: "Undecodable", 4: "WrongCaps"}
# The userlib::rpc functions whose instantiations name a program's protocols and their types.
PROTOCOL_FUNCTIONS = [
    "^userlib::rpc::decode_request<",
    "^userlib::rpc::reply_message<",
    "^userlib::rpc::Client<.*>::call_with_caps",
]
_protocols = None


class Undecodable(Exception):
    pass


def enum_payload(enum_type, variant_name):
    """The type inside `variant_name(T)` of a Rust enum type (`Ok` of a Result, ...)."""
    for field in enum_type.strip_typedefs().fields():
        if field.name == variant_name:
            return field.type.strip_typedefs().fields()[0].type
    raise KeyError(variant_name)


def protocol_types(function, ftype):
    """(protocol, {role: type}) from one userlib::rpc instantiation's signature."""
    found = re.match(r"userlib::rpc::decode_request<(.*)>$", function)
    if found:
        return found.group(1), {"request": enum_payload(ftype.target(), "Ok")}
    found = re.match(r"userlib::rpc::reply_message<(.*)>$", function)
    if found:
        result = ftype.fields()[0].type.target()
        return found.group(1), {
            "reply": enum_payload(result, "Ok"),
            "error": enum_payload(result, "Err"),
        }
    found = re.match(r"userlib::rpc::Client<(.*)>::call_with_caps", function)
    if found:
        result = ftype.target()
        reply = enum_payload(result, "Ok").strip_typedefs().fields()[0].type  # (Reply, usize)
        return found.group(1), {
            "request": ftype.fields()[1].type.target(),
            "reply": reply,
            "error": enum_payload(enum_payload(result, "Err"), "Server"),
        }
    return None, {}


def protocols():
    """{program: {protocol: {"request"/"reply"/"error": type}}}: the typed protocols each program
    serves (`rpc::serve`, `rpc::decode_request`) or calls (`rpc::Client`), read once from the
    debug info (the types are each program's own copies)."""
    global _protocols
    if _protocols is None:
        functions = set()
        for pattern in PROTOCOL_FUNCTIONS:
            listing = gdb.execute(f"info functions -q -n {pattern}", to_string=True)
            functions.update(re.findall(r"fn (userlib::rpc::[^(]*)\(", listing))
        table = {}
        for objfile in gdb.objfiles():
            program = os.path.basename(objfile.filename or "")
            for function in sorted(functions):
                symbol = objfile.lookup_static_symbol(function)
                symbol = symbol or objfile.lookup_global_symbol(function)
                if symbol is None:
                    continue
                try:
                    protocol, types = protocol_types(function, symbol.type)
                except (KeyError, IndexError, gdb.error):
                    continue
                if protocol:
                    table.setdefault(program, {}).setdefault(protocol, {}).update(types)
        _protocols = table
    return _protocols


class Reader:
    """postcard's encoding, read back: varints (LEB128, zigzag for signed), raw bytes."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, count):
        if self.at + count > len(self.data):
            raise Undecodable("the bytes end early")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def varint(self, bits):
        value = 0
        for i in range((bits + 6) // 7):
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if value >> bits:
                    raise Undecodable(f"a varint over {bits} bits")
                return value
        raise Undecodable("a varint too long")


def short_name(name):
    """`kv::protocol::Request::Put` -> `Put` (generic arguments kept whole)."""
    depth, cut = 0, 0
    for i, c in enumerate(name or ""):
        depth += {"<": 1, ">": -1}.get(c, 0)
        if depth == 0 and name[i : i + 2] == "::":
            cut = i + 2
    return (name or "?")[cut:]


def data_fields(struct_type):
    return [f for f in struct_type.fields() if hasattr(f, "bitpos") and not f.artificial]


def is_rust_enum(struct_type):
    fields = struct_type.fields()
    return len(fields) > 1 and fields[0].artificial and fields[0].name is None


def heapless_vec_element(vec_type):
    """T of a heapless Vec<T, N>: its buffer holds MaybeUninit<T> (a union whose `value` is a
    ManuallyDrop<T>)."""
    buffer = next(f for f in vec_type.fields() if f.name == "buffer").type.strip_typedefs()
    element = buffer.target().strip_typedefs()
    for name in ("value", "value"):
        inner = [f for f in element.fields() if f.name == name]
        if not inner:
            break
        element = inner[0].type.strip_typedefs()
    return element, buffer.range()[1] + 1


def fields_text(name, struct_type, reader, depth):
    fields = data_fields(struct_type)
    if not fields:
        return name
    values = [decode_postcard(f.type, reader, depth + 1) for f in fields]
    if all(re.fullmatch(r"__\d+", f.name or "") for f in fields):
        return f"{name}({', '.join(values)})"
    pairs = ", ".join(f"{f.name}: {v}" for f, v in zip(fields, values))
    return f"{name} {{ {pairs} }}"


def decode_postcard(value_type, reader, depth=0):
    """The value of Rust type `value_type` that `reader` holds, in Rust's Debug style. What serde's
    derive and postcard write: fields in declaration order, an enum's variant index as a varint,
    sequences and strings with a varint length, integers as varints (u8/i8 as one byte)."""
    if depth > 32:
        raise Undecodable("nested too deeply")
    t = value_type.strip_typedefs()
    name, code = t.name or "", t.code
    if code == gdb.TYPE_CODE_BOOL:
        byte = reader.take(1)[0]
        if byte > 1:
            raise Undecodable(f"bool {byte}")
        return "true" if byte else "false"
    if code == gdb.TYPE_CODE_CHAR:
        text = reader.take(reader.varint(64)).decode("utf-8", errors="strict")
        return repr(text)
    if code == gdb.TYPE_CODE_INT:
        if t.sizeof == 0:
            return "()"
        if t.sizeof == 1:
            byte = reader.take(1)[0]
            return str(byte - 256 if t.is_signed and byte >= 128 else byte)
        number = reader.varint(t.sizeof * 8)
        if t.is_signed:
            number = (number >> 1) ^ -(number & 1)
        return str(number)
    if code == gdb.TYPE_CODE_FLT:
        import struct

        return str(struct.unpack("<f" if t.sizeof == 4 else "<d", reader.take(t.sizeof))[0])
    if code == gdb.TYPE_CODE_ENUM:
        index, variants = reader.varint(32), t.fields()
        if index >= len(variants):
            raise Undecodable(f"variant {index} of {name}")
        return short_name(variants[index].name)
    if code == gdb.TYPE_CODE_ARRAY:
        element = t.target().strip_typedefs()
        count = t.range()[1] + 1
        if element.code == gdb.TYPE_CODE_INT and element.sizeof == 1:
            return byte_text(reader.take(count))
        return list_text(decode_postcard(element, reader, depth + 1) for _ in range(count))
    if code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        raise Undecodable(f"a {name or 'value'} (not serialisable by value)")
    if name.startswith("heapless::string::String<"):
        _, capacity = heapless_vec_element(t.fields()[0].type.strip_typedefs())
        count = reader.varint(64)
        if count > capacity:
            raise Undecodable(f"{count} bytes for a {name}")
        try:
            return string_text(reader.take(count).decode("utf-8"), element_limit())
        except UnicodeDecodeError:
            raise Undecodable(f"a {name} that is not UTF-8")
    if name.startswith("heapless::vec::Vec<"):
        element, capacity = heapless_vec_element(t)
        count = reader.varint(64)
        if count > capacity:
            raise Undecodable(f"{count} elements for a {name}")
        if element.code == gdb.TYPE_CODE_INT and element.sizeof == 1 and not element.is_signed:
            return byte_text(reader.take(count), element_limit())
        return list_text(decode_postcard(element, reader, depth + 1) for _ in range(count))
    if is_rust_enum(t):
        variants = [f for f in t.fields() if not f.artificial]
        index = reader.varint(32)
        if index >= len(variants):
            raise Undecodable(f"variant {index} of {name} (it has {len(variants)})")
        variant_field = variants[index]
        return fields_text(variant_field.name, variant_field.type.strip_typedefs(), reader, depth)
    if name.startswith("core::marker::PhantomData"):
        return "PhantomData"
    if name.startswith("("):
        values = [decode_postcard(f.type, reader, depth + 1) for f in data_fields(t)]
        return "(" + ", ".join(values) + (",)" if len(values) == 1 else ")")
    return fields_text(short_name(name), t, reader, depth)


def list_text(items):
    return "[" + ", ".join(items) + "]"


def decode_exact(value_type, data):
    reader = Reader(data)
    text = decode_postcard(value_type, reader)
    if reader.at != len(data):
        raise Undecodable(f"{len(data) - reader.at} bytes left over")
    return text


def message_bytes(tag, words, buffer_task):
    """The `label_len` bytes of a typed message: its register words, then words from the IPC
    buffer of `buffer_task` (where the sender wrote them, or where they were delivered)."""
    label_value = tag & 0xFFFF_FFFF
    length = label_value & 0xFFFF
    count = (tag >> 32) & 0xFF
    data = b"".join(w.to_bytes(8, "little") for w in words[:REG_WORDS])
    if count > REG_WORDS:
        data = data.ljust(REG_WORDS * 8, b"\0")
        data += read_task_memory(buffer_task, IPC_BUFFER + REG_WORDS * 8, (count - REG_WORDS) * 8)
    return data[:length]


def typed_text(tag, words, buffer_task, programs, reply):
    """What a typed message says, decoded with the types of the protocols `programs` use (the
    sender's and the receiver's), or None when it is not a typed message of theirs."""
    tag = int(tag) & ((1 << 64) - 1)
    label_value, count = tag & 0xFFFF_FFFF, (tag >> 32) & 0xFF
    high, length = label_value >> 16, label_value & 0xFFFF
    known = [(p, types) for prog in programs for p, types in protocols().get(prog, {}).items()]
    if not known:
        return None
    if reply and high == 2 and length == 0 and count >= 1:
        why = words[0] if words else 0
        return f"typed reply Rejected({REJECTIONS.get(why, why)})"
    if length > WIRE_MAX_BYTES or (length + 7) // 8 != count:
        return None
    if reply:
        if high not in (0, 1):
            return None
        role = "reply" if high == 0 else "error"
        what = f"typed reply {REPLY_KINDS[high]}"
    else:
        if high == 0:
            return None  # a raw message (typed protocols have ids)
        role = "request"
        what = f"typed request, protocol id {high:#06x}"
    try:
        data = message_bytes(tag, words, buffer_task)
    except gdb.error as e:
        return f"{what}, {length} bytes (not readable: {e})"
    failures = []
    for protocol, types in known:
        if role not in types:
            continue
        try:
            text = decode_exact(types[role], data)
        except (Undecodable, gdb.error) as e:
            type_name = short_name(str(types[role].strip_typedefs()))
            failures.append(f"not a {type_name} of {protocol}: {e}")
            continue
        return f"{what} ({protocol}), {length} bytes: {text}"
    if reply:
        return None
    return f"{what}, {length} bytes: {data.hex(' ')} ({'; '.join(failures) or 'no protocol'})"


def program_of(index):
    task = task_at(index)
    return name_of(task) if task is not None else None


# --- Commands ---------------------------------------------------------------------------------


class Mikros(gdb.Command):
    """mikros commands: tasks, caps, endpoint, msg, task, break, step-ipc, console (`help mikros X`)."""

    def __init__(self):
        super().__init__("mikros", gdb.COMMAND_USER, prefix=True)


class Tasks(gdb.Command):
    """Every task: index, id, name, state, what it waits on, address space (its CR3).
`*` marks the current task (the one running, or whose syscall the kernel is handling)."""

    def __init__(self):
        super().__init__("mikros tasks", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        k = kernel()
        current = current_index()
        print(f"  {'#':>3} {'id':>9}  {'name':<12} {'state':<18} {'waits on':<30} space  cr3")
        for index, _, task in live_objects(k["tasks"]):
            state, waits = state_text(task["state"])
            if index == current and state == "ready":
                state = "running"
            mark = "*" if index == current else " "
            print(
                f"{mark} {index:>3} {int(task['id']):>#9x}  {name_of(task):<12} {state:<18} "
                f"{waits:<30} {int(task['space']):>5}  {int(task['root']):#x}"
            )


class Caps(gdb.Command):
    """mikros caps [TASK]: the capabilities a task holds, slot by slot (default: current task)."""

    def __init__(self):
        super().__init__("mikros caps", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        index = resolve_task(argument)
        slots = task_at(index)["caps"]["slots"]
        print(f"{label(index)}:")
        for slot in range(slots.type.range()[1] + 1):
            cap = slots[slot]
            if enum_name(cap["kind"]) != "Empty":
                print(f"  slot {slot:>2}: {cap_text(cap)}")


class EndpointCommand(gdb.Command):
    """mikros endpoint N: who waits on endpoint N (in queue order) and who holds capabilities to it."""

    def __init__(self):
        super().__init__("mikros endpoint", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        if not argument.strip().isdigit():
            raise gdb.GdbError("usage: mikros endpoint N (an index, as `mikros tasks` shows)")
        wanted = int(argument)
        found = [(g, e) for i, g, e in live_objects(kernel()["endpoints"]) if i == wanted]
        if not found:
            raise gdb.GdbError(f"no endpoint {wanted}")
        gen, endpoint = found[0]
        waiters = queue_order(endpoint["queue"])
        kind = enum_name(endpoint["waiting"]).lower()
        print(f"endpoint {wanted} (generation {gen}): {kind} waiting")
        for position, index in enumerate(waiters):
            task = task_at(index)
            detail = ""
            if task is not None and variant(task["state"])[0] == "Sending":
                pending = task["pending"]
                detail = f": {enum_name(pending['kind'])} {tag_text(pending['tag']['__0'])}"
            print(f"  {position + 1}. {label(index)}{detail}")
        print("capabilities to it:")
        for index, _, task in live_objects(kernel()["tasks"]):
            slots = task["caps"]["slots"]
            for slot in range(slots.type.range()[1] + 1):
                cap = slots[slot]
                if (
                    int(cap["index"]) == wanted
                    and enum_name(cap["kind"]) == "Endpoint"
                    and int(cap["gen"]) == gen
                ):
                    print(f"  {label(index)} slot {slot}: {cap_text(cap)}")


class Msg(gdb.Command):
    """mikros msg [TASK]: the message a task is sending (queued, or in its syscall's registers),
the requests it is serving (its callers' messages), or the one it has just received.
A typed message (userlib::rpc) is decoded too: protocol, request variant and fields (or the reply),
with the Rust types of the protocols the sender and the receiver use."""

    def __init__(self):
        super().__init__("mikros msg", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        index = resolve_task(argument)
        task = task_at(index)
        shown = False
        state, fields = variant(task["state"])
        regs = task["regs"]
        sysnum = int(regs["rax"])
        if state == "Sending":
            pending = task["pending"]
            tag = int(pending["tag"]["__0"])
            words = [int(pending["words"][i]) for i in range(4)]
            print(
                f"{label(index)} waits to {enum_name(pending['kind'])} on endpoint "
                f"{int(fields['endpoint'])}: badge {int(pending['badge']):#x}, "
                f"{tag_text(tag)}, words {[hex(w) for w in words]}"
            )
            reply = enum_name(pending["kind"]) == "Reply"
            self.typed(tag, words, index, [program_of(index)], reply)
            shown = True
        elif (state == "AwaitingReply" and not bool(fields["fault"])) or (
            index == current_index() and in_kernel() and sysnum in IPC_SYSCALLS
        ):
            tag, words = registers_message(regs)
            what = IPC_SYSCALLS.get(sysnum, "Call")
            target = f"slot {int(regs['rdi'])}"
            replying = sysnum in (REPLY, REPLY_RECV) and int(regs["r12"]) != NO_REPLY
            if replying:
                target = f"{task_id_text(int(regs['r12']))} (replying), then slot {int(regs['rdi'])}"
            print(f"{label(index)}: {what} to {target}: {tag}, words {words}")
            programs = [program_of(index)]
            if replying:
                programs.append(program_of(int(regs["r12"]) & 0xFFFF))
            if sysnum in (CALL, SEND) or replying:
                self.typed(regs["rsi"], register_words(regs), index, programs, replying)
            shown = True
        for caller, caller_task in callers_of(index):
            caller_regs = caller_task["regs"]
            tag, words = registers_message(caller_regs)
            print(f"serving {label(caller)}, which awaits the reply to: {tag}, words {words}")
            programs = [program_of(index), program_of(caller)]
            self.typed(caller_regs["rsi"], register_words(caller_regs), caller, programs, False)
            shown = True
        if index == current_index() and not in_kernel():
            frame = gdb.selected_frame()
            after_syscall = bytes(gdb.selected_inferior().read_memory(pc() - 2, 2)) == b"\x0f\x05"
            if after_syscall and frame.level() == 0:
                live = {r: gdb.parse_and_eval(f"${r}") for r in ("rdi", "rsi", "rdx", "r10", "r8", "r9")}
                tag, words = registers_message(live)
                sender = int(gdb.parse_and_eval("$r12")) & ((1 << 64) - 1)
                print(
                    f"just received (rax {int(gdb.parse_and_eval('$rax'))}): badge "
                    f"{int(live['rdi']) & ((1 << 64) - 1):#x}, {tag}, words {words}, "
                    f"from {task_id_text(sender)}"
                )
                raw_tag = int(live["rsi"]) & ((1 << 64) - 1)
                programs = [program_of(index), program_of(sender & 0xFFFF)]
                # A call's request arrives flagged CALL; anything else may be a reply.
                call = bool(raw_tag & TAG_FLAGS[0][0])
                for reply in (False,) if call else (True, False):
                    if self.typed(raw_tag, register_words(live), index, programs, reply):
                        break
                shown = True
        if not shown:
            print(f"{label(index)} ({state_text(task['state'])[0]}) has no message in flight")

    @staticmethod
    def typed(tag, words, buffer_task, programs, reply):
        """Prints what a typed message says, if it is one; True if it was."""
        text = typed_text(tag, words, buffer_task, [p for p in programs if p], reply)
        if text:
            print(f"  {text}")
        return bool(text)


def register_words(regs):
    return [int(regs[r]) & ((1 << 64) - 1) for r in ("rdx", "r10", "r8", "r9")]


class ProgramBreakpoint(gdb.Breakpoint):
    """Stops only while `program` is the current task; its copies in other programs are disabled."""

    def __init__(self, program, spec):
        super().__init__(spec)
        self.program = program

    def stop(self):
        task = task_at(current_index())
        return task is not None and name_of(task) == self.program


def program_names():
    return {os.path.basename(o.filename) for o in gdb.objfiles() if o.filename}


class Break(gdb.Command):
    """mikros break PROGRAM LOCATION: a breakpoint that stops only while PROGRAM runs.
LOCATION is anything `break` takes; in the kernel too (e.g. `kernel::sched::Kernel::fast_call`
stops only on PROGRAM's calls). Copies of LOCATION in other programs (a userlib function) are
disabled, and a file name that matches several files is reported."""

    def __init__(self):
        super().__init__("mikros break", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, argument, from_tty):
        parts = argument.split(None, 1)
        if len(parts) != 2:
            raise gdb.GdbError("usage: mikros break PROGRAM LOCATION")
        program, spec = parts
        names = program_names()
        if program not in names:
            raise gdb.GdbError(f"no program {program!r}; programs: {' '.join(sorted(names))}")
        bp = ProgramBreakpoint(program, spec)
        locations = getattr(bp, "locations", [])
        files, disabled = set(), 0
        for location in locations:
            symtab = gdb.find_pc_line(location.address).symtab
            if symtab is None:
                continue
            files.add(symtab.fullname())
            owner = os.path.basename(symtab.objfile.filename)
            if owner != program and location.address < KERNEL_HALF:
                location.enabled = False
                disabled += 1
        copies = "copy" if disabled == 1 else "copies"
        note = f" ({disabled} {copies} in other programs disabled)" if disabled else ""
        print(f"Breakpoint {bp.number}: {spec}, only in {program}{note}")
        if ":" in spec and len(files) > 1:
            print(f"warning: {spec} matches {len(files)} files: {', '.join(sorted(files))}")
            print("warning: give more of the path (e.g. src/bin/NAME.rs:LINE) to pick one")


class StopWhen(gdb.Breakpoint):
    """An internal breakpoint that stops only when `predicate()` holds."""

    def __init__(self, spec, predicate):
        super().__init__(spec, internal=True)
        self.predicate = predicate
        self.hit = False

    def stop(self):
        if self.predicate():
            self.hit = True
            return True
        return False


class Quiet:
    """Suppresses the stops and steps on the way (noise); gdb prints the stop at the end."""

    def __enter__(self):
        self.before = gdb.parameter("suppress-cli-notifications")
        gdb.execute("set suppress-cli-notifications on")

    def __exit__(self, *exception):
        gdb.execute(f"set suppress-cli-notifications {'on' if self.before else 'off'}")


def run_until(specs, predicate):
    """Continues until one of `specs` is reached with `predicate()` true; False if the target
    stopped for another reason first (a user breakpoint, Ctrl-C), whose stop is then shown."""
    points = [StopWhen(spec, predicate) for spec in specs]
    try:
        with Quiet():
            gdb.execute("continue")
        hit = any(p.hit for p in points)
    finally:
        for p in points:
            p.delete()
    if not hit:
        gdb.execute("frame")
    return hit


def symbol_address(name):
    """The address of a symbol without debug info (an assembly label)."""
    text = gdb.execute(f"info address {name}", to_string=True)
    found = re.search(r"0x[0-9a-f]+", text)
    if not found:
        raise gdb.GdbError(f"no symbol {name}")
    return int(found.group(0), 16)


def debuggable_build():
    """Are these the binaries of cargo profile `gdb`? Optimised code inlines a server's handler
    into the loop around its syscalls, so `step` would run into the next syscall instead."""
    return any("/x86_64-unknown-none/gdb/" in (o.filename or "") for o in gdb.objfiles())


TYPED_SERVE = "userlib::rpc::serve<"
TYPED_CLIENT = "userlib::rpc::Client<"


def library_frames():
    """The newest frames of the current task that are library code (userlib, abi, ...), newest
    first: the way from a syscall instruction out to the task's own code."""
    frames, frame = [], gdb.newest_frame()
    while frame is not None and len(frames) < 32:
        symtab = frame.find_sal().symtab
        if symtab is None or not is_library(symtab.filename):
            break
        frames.append(frame)
        frame = frame.older()
    return frames


def function_range(frame):
    block = frame.block()
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        raise gdb.GdbError(f"no function around {frame.pc():#x}")
    return block.start, block.end


def calls_in(start, end):
    """(address of the call instruction, name of the function it calls) for each direct call."""
    arch = gdb.selected_frame().architecture()
    for insn in arch.disassemble(start, end - 1):
        found = re.match(r"call[lq]?\s+(0x[0-9a-f]+)", insn["asm"])
        if found:
            target = int(found.group(1), 16)
            block = gdb.block_for_pc(target)
            while block is not None and block.function is None:
                block = block.superblock
            yield insn["addr"], (block.function.name if block is not None else "")


def serve_calls(serve):
    """In a typed server's loop (`userlib::rpc::serve<P, S>`): the calls of the handler
    (`<S as Server<P>>::handle`) and of `rpc::rejection`."""
    handler, reject = [], []
    for address, callee in calls_in(*function_range(serve)):
        if callee.endswith("::handle"):
            handler.append(address)
        elif callee == "userlib::rpc::rejection":
            reject.append(address)
    return handler, reject


def is_library(filename):
    """userlib, abi, the Rust library and crates.io code: not the program's own."""
    pattern = r"(^|/)(userlib|abi)/|/rustc/|/library/(core|alloc)/|/\.cargo/registry/"
    return bool(re.search(pattern, filename or ""))


class StepIpc(gdb.Command):
    """mikros step-ipc: run to the other side of the current IPC.
From a task's code or from inside the kernel's handling of its IPC syscall: a Call or Send goes
to the receiver, a Reply or ReplyRecv to the caller it replies to, a Recv to the task itself
when its message arrives. In the debuggable build it stops in that task's own code (out of
userlib), as `step` would: a typed server (`userlib::rpc::serve`) at the first line of its
handler (`Server::handle`), past the request's decoding; a typed client (`rpc::Client`) on the
line after its call, past the reply's decoding; otherwise at the first line out of userlib. In
the optimised build it stops just after the task's syscall instruction. Breakpoints met on the
way stop it, as they stop `next`."""

    def __init__(self):
        super().__init__("mikros step-ipc", gdb.COMMAND_RUNNING)

    def invoke(self, argument, from_tty):
        task = current_index()
        if task is None:
            raise gdb.GdbError("no current task")
        if not in_kernel():
            entries = ["call_from_user", "reply_recv_from_user", "syscall_from_user"]
            if not run_until(entries, lambda: self.ipc_syscall_of(task)):
                print("mikros: stopped before the IPC (see above); `mikros step-ipc` again goes on")
                return
        regs = task_at(task)["regs"]
        sysnum = int(regs["rax"])
        if sysnum not in IPC_SYSCALLS:
            raise gdb.GdbError(f"{label(task)} is not in an IPC syscall (rax {sysnum})")
        arrived = self.arrival(task, sysnum, int(regs["r12"]) & ((1 << 64) - 1))
        if not run_until([f"*{symbol_address('return_to_user')}"], arrived):
            print("mikros: stopped before the other side ran (see above)")
            return
        other = int(kernel()["entered"])
        rip = int(task_at(other)["regs"]["rip"])
        if not run_until([f"*{rip:#x}"], lambda: current_index() == other):
            print(f"mikros: stopped before {label(other)} resumed (see above)")
            return
        note = ""
        if debuggable_build():
            note = self.into_own_code(other)
            if note is None:
                return
        print(f"mikros: {IPC_SYSCALLS[sysnum]} by {label(task)} -> now in {label(other)}{note}")
        gdb.execute("frame")

    def into_own_code(self, task):
        """From the syscall's return in `task` to its own code: a typed server's handler, a typed
        client's line after its call, or (raw messages) the first line out of userlib. Returns a
        note for the report, or None if something else stopped the target (already shown)."""
        frames = library_frames()
        names = [f.name() or "" for f in frames]
        serve = next((f for f, n in zip(frames, names) if n.startswith(TYPED_SERVE)), None)
        if serve is not None:
            return self.to_handler(task, serve)
        if any(n.startswith(TYPED_CLIENT) for n in names):
            caller = frames[-1].older() if frames else None
            if caller is not None:
                return self.to_caller_line(task, caller)
        self.step_out_of_libraries()
        return ""

    @staticmethod
    def to_handler(task, serve):
        """Runs a typed server's loop (`userlib::rpc::serve`) to its call of the handler and steps
        into it, past the request's decoding (serde's derived code, postcard). A request the loop
        rejects stops at its call of `rejection` instead."""
        handler, reject = serve_calls(serve)
        if not handler:
            StepIpc.step_out_of_libraries()
            return ""
        points = handler + reject
        if not run_until([f"*{a:#x}" for a in points], lambda: current_index() == task):
            print(f"mikros: stopped before {label(task)} reached its handler (see above)")
            return None
        if pc() in reject:
            return ": its loop rejects the request (`mikros msg` says why it does not decode)"
        with Quiet():
            gdb.execute("step")
        return ", in its handler"

    @staticmethod
    def to_caller_line(task, caller):
        """Runs a typed client out of `Client::call` (and the reply's decoding) back to the line of
        its own code that made the call, then on to the next line, as `next` would."""
        sp = int(caller.read_register("rsp")) & ((1 << 64) - 1)

        def returned():
            rsp = int(gdb.parse_and_eval("$rsp")) & ((1 << 64) - 1)
            return current_index() == task and rsp == sp

        if not run_until([f"*{caller.pc():#x}"], returned):
            print(f"mikros: stopped before {label(task)} returned from its call (see above)")
            return None
        with Quiet():
            gdb.execute("next")
        return ", after its call"

    @staticmethod
    def ipc_syscall_of(task):
        return current_index() == task and int(task_at(task)["regs"]["rax"]) in IPC_SYSCALLS

    @staticmethod
    def arrival(task, sysnum, reply_to):
        """When the kernel returns to the task on the other side (its index in `entered`)."""

        def entered():
            return int(kernel()["entered"])

        def state(index):
            found = task_at(index)
            return variant(found["state"]) if found is not None else (None, None)

        if sysnum == CALL:

            def called():
                name, fields = state(task)
                if entered() == task:
                    return name == "Ready"  # the call failed and returns
                return name == "AwaitingReply" and int(fields["server"]) == entered()

            return called
        if sysnum == SEND:
            my_id = int(task_at(task)["id"])

            def sent():
                other = task_at(entered())
                return entered() != task and other is not None and int(other["regs"]["r12"]) == my_id

            return sent
        if sysnum in (REPLY, REPLY_RECV) and reply_to != NO_REPLY:
            caller = reply_to & 0xFFFF
            name, fields = state(caller)
            if name == "AwaitingReply" and int(fields["server"]) == task:
                return lambda: entered() == caller
        return lambda: entered() == task  # a Recv, or a reply that goes nowhere

    @staticmethod
    def step_out_of_libraries():
        with Quiet():
            for _ in range(200):
                symtab = gdb.selected_frame().find_sal().symtab
                if in_kernel() or (symtab is not None and not is_library(symtab.filename)):
                    return
                gdb.execute("step")


class Console(gdb.Command):
    """mikros console [N]: the last N (default 20) lines of the guest's console, as the runner logs
it while gdb runs in its terminal (target/gdb-console.log)."""

    def __init__(self):
        super().__init__("mikros console", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        count = int(argument) if argument.strip().isdigit() else 20
        try:
            with open(CONSOLE_LOG, errors="replace") as log:
                lines = log.read().replace("\r\n", "\n").splitlines()
        except OSError as e:
            raise gdb.GdbError(f"{CONSOLE_LOG}: {e.strerror} (only `--gdb` sessions log there)")
        print("\n".join(lines[-count:]))


class TaskCommand(gdb.Command):
    """mikros task EXPRESSION: a task id (generation << 16 | index, such as `request.sender` or
`$r12`) or index, named."""

    def __init__(self):
        super().__init__("mikros task", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            raise gdb.GdbError("usage: mikros task ID (an expression: request.sender, $r12, 3)")
        number = int(gdb.parse_and_eval(argument)) & ((1 << 64) - 1)
        print(task_id_text(number) if number > 0xFFFF else label(number))


# --- Pretty-printers --------------------------------------------------------------------------


class MsgTagPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return f"MsgTag({tag_text(self.value['__0'])})"


class CapPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return f"Cap({cap_text(self.value)})"


class ReceivedPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        sender, flags = int(self.value["sender"]), int(self.value["flags"])
        flag_names = "|".join(name for bit, name in TAG_FLAGS if flags & bit) or "no flags"
        return (
            f"Received from {task_id_text(sender)}, badge {int(self.value['badge']):#x}, "
            f"{flag_names}"
        )

    def children(self):
        yield "msg", self.value["msg"]


class TaskPrinter:
    """A task without its capability table (`mikros caps` lists that)."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        task_id = int(self.value["id"])
        state, waits = state_text(self.value["state"])
        return f"Task {task_id & 0xFFFF} ({name_of(self.value)}) id {task_id:#x}, {state} {waits}"

    def children(self):
        for field in ("state", "regs", "pending", "fault_endpoint", "space", "root"):
            yield field, self.value[field]


class StatePrinter:
    """A task state with the tasks it names (`AwaitingReply { server }` is a task index)."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        state, waits = state_text(self.value)
        return f"{state} {waits}".strip()


class TaskQueuePrinter:
    """An endpoint's ring of waiting task indices, in order, named."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "TaskQueue [" + ", ".join(label(i) for i in queue_order(self.value)) + "]"


# Values of the Rust library and crates our messages are made of.

ESCAPES = {
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0: "\\0",
}


def element_limit():
    """gdb's `print elements` (None: unlimited)."""
    limit = gdb.parameter("print elements")
    return limit if limit else None


def byte_text(data, limit=None):
    """Bytes as a Rust byte string: b"hi\\x00"."""
    shown = data if limit is None else data[:limit]
    text = "".join(
        ESCAPES.get(b) or (chr(b) if 32 <= b < 127 else f"\\x{b:02x}") for b in shown
    )
    return f'b"{text}"' + ("..." if len(shown) < len(data) else "")


def string_text(text, limit=None):
    """Text as a Rust string literal."""
    shown = text if limit is None else text[:limit]
    escaped = "".join(
        ESCAPES.get(ord(c)) or (c if c.isprintable() else f"\\u{{{ord(c):x}}}") for c in shown
    )
    return f'"{escaped}"' + ("..." if len(shown) < len(text) else "")


def heapless_parts(vec):
    """(length, buffer, element type) of a heapless::Vec value (heapless 0.8: `len`, and `buffer`,
    an array of MaybeUninit<T>)."""
    element, capacity = heapless_vec_element(vec.type.strip_typedefs())
    return max(0, min(int(vec["len"]), capacity)), vec["buffer"], element


def heapless_element(buffer, index):
    item = buffer[index]
    for name in ("value", "value"):  # MaybeUninit<T>.value: ManuallyDrop<T>, whose .value is T
        try:
            item = item[name]
        except gdb.error:
            break
    return item


def heapless_bytes(vec):
    length, buffer, _ = heapless_parts(vec)
    if length and buffer.address is not None:
        return bytes(gdb.selected_inferior().read_memory(buffer.address, length))
    return bytes(int(heapless_element(buffer, i)) & 0xFF for i in range(length))


class HeaplessStringPrinter:
    """heapless::String<N>: its text, not the N bytes of its buffer."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        data = heapless_bytes(self.value["vec"])
        return string_text(data.decode("utf-8", errors="replace"), element_limit())


class HeaplessVecPrinter:
    """heapless::Vec<T, N>: its `len` elements (bytes as a byte string), not the whole buffer."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        length, buffer, element = heapless_parts(self.value)
        if element.code == gdb.TYPE_CODE_INT and element.sizeof == 1 and not element.is_signed:
            return byte_text(heapless_bytes(self.value), element_limit())
        limit = element_limit()
        shown = length if limit is None else min(length, limit)
        items = [str(heapless_element(buffer, i)) for i in range(shown)]
        return "[" + ", ".join(items) + (", ..." if shown < length else "") + "]"


class HeaplessMapPrinter:
    """heapless::IndexMap (FnvIndexMap): its entries, key => value, in insertion order."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        entries = self.value["core"]["entries"]
        length, buffer, _ = heapless_parts(entries)
        return f"IndexMap({length} of {heapless_vec_element(entries.type.strip_typedefs())[1]})"

    def children(self):
        entries = self.value["core"]["entries"]
        length, buffer, _ = heapless_parts(entries)
        for i in range(length):
            bucket = heapless_element(buffer, i)
            yield f"k{i}", bucket["key"]
            yield f"v{i}", bucket["value"]

    def display_hint(self):
        return "map"


# gdb 13 (and 12) print a Rust enum value whose type was never resolved against its contents (a
# value `finish` returns, or a function call's) with the wrong variant's fields: the variant is
# found in the resolved type but its fields are taken by that index from the unresolved one
# (rust-lang.c, print_enum: `value_field (val, variant_fieldno)`). When the wrong variant has
# fewer fields gdb fails an assertion and dies (`finish` out of a function returning
# `Option::Some(request)`; docs/debugging.md). Such values are printed here instead: by their
# variant when the discriminant is a tag of its own (variant i has tag i), else as a note.
GDB_MAJOR = int(re.match(r"\d+", gdb.VERSION).group(0))


def tagged_variant(value):
    """The active variant field of an unresolved Rust enum value whose discriminant is a tag of its
    own (it overlaps no variant's data, and the n-th variant has tag n); None for a niche layout
    (the tag lives inside a variant's data, values rustc chose), which Python cannot see."""
    fields = value.type.strip_typedefs().fields()
    tag = fields[0]
    start = tag.bitpos // 8
    end = start + tag.type.sizeof
    for variant_field in fields[1:]:
        for inner in data_fields(variant_field.type.strip_typedefs()):
            at = (variant_field.bitpos + inner.bitpos) // 8
            if at < end and start < at + inner.type.sizeof:
                return None
    number = int(value[tag])
    return fields[1 + number] if 0 <= number < len(fields) - 1 else None


class UnresolvedEnumPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        if self.value.address is not None:
            resolved = self.value.address.dereference()  # read again: gdb resolves it now
            if not resolved.type.strip_typedefs().dynamic:
                return resolved
        active = tagged_variant(self.value)
        if active is None:
            fields = self.value.type.strip_typedefs().fields()
            variants = " | ".join(short_name(f.name) for f in fields[1:])
            return (
                f"<{self.value.type} ({variants}) returned by value: gdb {gdb.VERSION.split()[0]} "
                "cannot print it safely (print the variable it is stored in)>"
            )
        payload = self.value[active]
        fields = data_fields(payload.type.strip_typedefs())
        name = str(payload.type.strip_typedefs())
        if not fields:
            return name
        values = [str(payload[f]) for f in fields]
        if all(re.fullmatch(r"__\d+", f.name or "") for f in fields):
            return f"{name}({', '.join(values)})"
        return name + "{" + ", ".join(f"{f.name}: {v}" for f, v in zip(fields, values)) + "}"


def unresolved_enum(value):
    """The printer for a Rust enum value gdb 13 would misprint (or crash on), else None."""
    t = value.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT or not t.dynamic or not is_rust_enum(t):
        return None
    if len(t.fields()) < 3:  # a discriminant and one variant: resolved
        return None
    return UnresolvedEnumPrinter(value)


def printers():
    collection = gdb.printing.RegexpCollectionPrettyPrinter("mikros")
    collection.add_printer("heapless::String", r"^heapless::string::String<", HeaplessStringPrinter)
    collection.add_printer("heapless::Vec", r"^heapless::vec::Vec<", HeaplessVecPrinter)
    collection.add_printer(
        "heapless::IndexMap", r"^heapless::indexmap::IndexMap<", HeaplessMapPrinter
    )
    collection.add_printer("MsgTag", r"^abi::msg::MsgTag$", MsgTagPrinter)
    collection.add_printer("Cap", r"^kernel::obj::cap::Cap$", CapPrinter)
    collection.add_printer("Received", r"^userlib::ipc::Received$", ReceivedPrinter)
    collection.add_printer("Task", r"^kernel::obj::task::Task$", TaskPrinter)
    collection.add_printer("State", r"^kernel::obj::task::State$", StatePrinter)
    collection.add_printer("TaskQueue", r"^kernel::obj::endpoint::TaskQueue$", TaskQueuePrinter)
    return collection


Mikros()
Tasks()
Caps()
EndpointCommand()
Msg()
Break()
StepIpc()
Console()
TaskCommand()
gdb.printing.register_pretty_printer(None, printers(), replace=True)
if GDB_MAJOR <= 13:
    unresolved_enum.name = "mikros-unresolved-enum"
    unresolved_enum.enabled = True
    gdb.printing.register_pretty_printer(None, unresolved_enum, replace=True)
# `step` goes through our code, not into the core library's (slice copies, Result::map, ...).
gdb.execute("skip -rfunction ^(core|alloc|compiler_builtins)::", to_string=True)
