"""gdb commands for mikros: the kernel's tasks, capabilities and endpoints, messages, breakpoints
limited to one program, and following an IPC from one side to the other.

Loaded by the gdbinit the runner writes (`make run-gdb`, `cargo run -- --gdb`); see
docs/debugging.md. Everything is read from the kernel's one state static field by field, never
as a whole (the task table alone is 150 KB, over gdb's max-value-size).

    mikros tasks              every task: index, id, name, state, what it waits on, address space
    mikros caps [TASK]        a task's capabilities (default: the current task)
    mikros endpoint N         an endpoint's queue, and who holds capabilities to it
    mikros msg [TASK]         the message a task is sending, serving, or has just received
    mikros break PROG LOC     a breakpoint that stops only when PROG is the running task
    mikros step-ipc           run to the other side of the current IPC (receiver or caller)
    mikros task ID            a task id (`request.sender`, `$r12`) or index, named
    mikros console [N]        the last N lines of the guest's console (gdb sessions of the runner)

TASK is an index (as `mikros tasks` shows) or a program name. Pretty-printers show MsgTag,
kernel capabilities, tasks, task states and endpoint queues (task indices named), and
`userlib::ipc::Received` (its sender named).
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
the requests it is serving (its callers' messages), or the one it has just received."""

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
            print(
                f"{label(index)} waits to {enum_name(pending['kind'])} on endpoint "
                f"{int(fields['endpoint'])}: badge {int(pending['badge']):#x}, "
                f"{tag_text(pending['tag']['__0'])}, words "
                f"{[hex(int(pending['words'][i])) for i in range(4)]}"
            )
            shown = True
        elif (state == "AwaitingReply" and not bool(fields["fault"])) or (
            index == current_index() and in_kernel() and sysnum in IPC_SYSCALLS
        ):
            tag, words = registers_message(regs)
            what = IPC_SYSCALLS.get(sysnum, "Call")
            target = f"slot {int(regs['rdi'])}"
            if sysnum in (REPLY, REPLY_RECV) and int(regs["r12"]) != NO_REPLY:
                target = f"{task_id_text(int(regs['r12']))} (replying), then slot {int(regs['rdi'])}"
            print(f"{label(index)}: {what} to {target}: {tag}, words {words}")
            shown = True
        for caller, caller_task in callers_of(index):
            tag, words = registers_message(caller_task["regs"])
            print(f"serving {label(caller)}, which awaits the reply to: {tag}, words {words}")
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
                shown = True
        if not shown:
            print(f"{label(index)} ({state_text(task['state'])[0]}) has no message in flight")


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


def is_library(filename):
    """userlib, abi, the Rust library and crates.io code: not the program's own."""
    pattern = r"(^|/)(userlib|abi)/|/rustc/|/library/(core|alloc)/|/\.cargo/registry/"
    return bool(re.search(pattern, filename or ""))


class StepIpc(gdb.Command):
    """mikros step-ipc: run to the other side of the current IPC.
From a task's code or from inside the kernel's handling of its IPC syscall: a Call or Send goes
to the receiver, a Reply or ReplyRecv to the caller it replies to, a Recv to the task itself
when its message arrives. In the debuggable build it stops in that task's own code (out of
userlib), as `step` would; in the optimised build just after the task's syscall instruction.
Breakpoints met on the way stop it, as they stop `next`."""

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
        if debuggable_build():
            self.step_out_of_libraries()
        print(f"mikros: {IPC_SYSCALLS[sysnum]} by {label(task)} -> now in {label(other)}")
        gdb.execute("frame")

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


def printers():
    collection = gdb.printing.RegexpCollectionPrettyPrinter("mikros")
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
# `step` goes through our code, not into the core library's (slice copies, Result::map, ...).
gdb.execute("skip -rfunction ^(core|alloc|compiler_builtins)::", to_string=True)
