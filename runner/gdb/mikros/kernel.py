"""The kernel's state, read from its one static field by field (never as a whole: the task table
alone is 150 KB, over gdb's max-value-size): tasks, capabilities, endpoint queues, and the memory
of any task."""
import gdb

from .abi import rights_text
from .rust import array_length, enum_name, has_field, scalar, some, static_symbol, u64, variant

KERNEL_STATIC = "kernel::entry::KERNEL"
# Addresses from here up are the kernel's (abi::layout: user space is the lower half).
KERNEL_HALF = 0xFFFF_8000_0000_0000
NO_TASK = 0xFFFF


def kernel():
    """The kernel's state; found by symbol, so that it works whatever language gdb is in (C in
    code without debug info, such as the bootloader's)."""
    symbol = static_symbol(KERNEL_STATIC)
    if symbol is None:
        raise gdb.GdbError(f"no {KERNEL_STATIC}: is the kernel's symbol file loaded?")
    try:
        # A spin::SpinMutex: the state is its `data`.
        return symbol.value()["data"]["value"]
    except gdb.MemoryError:
        raise gdb.GdbError("the kernel's memory is not mapped yet (it is still booting)")


def live_objects(table):
    """(index, generation, object) of every live entry of a kernel ObjTable."""
    entries = table["entries"]
    for index in range(array_length(entries.type)):
        entry = entries[index]
        obj = some(entry["obj"])
        if obj is not None:
            yield index, int(entry["gen"]), obj


def task_at(index):
    if index is None or not 0 <= index < NO_TASK:
        return None
    entries = kernel()["tasks"]["entries"]
    if index >= array_length(entries.type):
        return None
    return some(entries[index]["obj"])


def this_cpu():
    """The CPU gdb has selected (QEMU shows each as a thread, numbered from 1 in start order)."""
    thread = gdb.selected_thread()
    return 0 if thread is None else thread.num - 1


def view_of(cpu, k=None):
    """CPU `cpu`'s own scheduling state (`current`, `entered`, ...). The CPU that held the kernel
    last keeps it in the kernel's own fields, the others in `cpus[i].view`: never read
    `kernel()["current"]` directly, it is another CPU's whenever that one took the lock since."""
    k = kernel() if k is None else k
    return k if int(k["this"]) == cpu else k["cpus"][cpu]["view"]


def current_on(cpu, k=None):
    """The task CPU `cpu` runs (or is running a syscall for), or None."""
    index = some(view_of(cpu, k)["current"])
    return None if index is None else int(index)


def entered_index():
    """The task the selected CPU enters (returns to) when it next leaves the kernel."""
    return int(view_of(this_cpu())["entered"])


def running_cpus(k=None):
    """{task index: CPU} for every CPU that runs a task."""
    k = kernel() if k is None else k
    online = int(k["online"])
    found = {}
    for cpu in range(8):
        if online & (1 << cpu):
            index = current_on(cpu, k)
            if index is not None:
                found[index] = cpu
    return found


def current_index():
    """The task the selected CPU runs (or is running a syscall for), or None."""
    return current_on(this_cpu())


def name_of(task):
    raw = bytes(gdb.selected_inferior().read_memory(task["name"].address, 16))
    return raw.split(b"\0")[0].decode(errors="replace") or "?"


def program_of(index):
    """The name of task `index`, or None if there is no such task."""
    task = task_at(index)
    return name_of(task) if task is not None else None


def label(index):
    """`task 3 (ipcbench)`."""
    return f"task {index} ({program_of(index) or 'gone'})"


def task_id_text(task_id):
    """A task id as user space sees it (generation << 16 | index), decoded."""
    index, gen = task_id & 0xFFFF, task_id >> 16
    task = task_at(index)
    if task is not None and int(task["id"]) == task_id:
        return f"{label(index)}, id {task_id:#x}"
    return f"id {task_id:#x} (index {index}, generation {gen}: no such task now)"


def pc():
    return u64(gdb.parse_and_eval("$pc"))


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


def cap_slots(task):
    """(slot, capability) of every slot of a task's capability table, empty ones too."""
    slots = task["caps"]["slots"]
    for slot in range(array_length(slots.type)):
        yield slot, slots[slot]


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
        if has_field(fields, "deadline") and int(fields["deadline"]):
            waits += f" until tick {int(fields['deadline'])}"
        return ("sending" if name == "Sending" else "receiving"), waits
    if name in ("AwaitingReply", "AwaitingReplyUntil"):
        fault = has_field(fields, "fault") and bool(fields["fault"])
        what = "its fault handled" if fault else "a reply"
        until = f" until tick {int(fields['deadline'])}" if has_field(fields, "deadline") else ""
        return f"awaiting {what}", f"from {label(int(fields['server']))}{until}"
    if name == "Waiting":
        return "waiting", f"notification {int(fields['notification'])}"
    return (name or "?").lower(), ""


def queue_order(queue):
    """The task indices in an endpoint's TaskQueue (a ring), first to last."""
    head, length = int(queue["head"]), int(queue["len"])
    ring = queue["tasks"]
    size = array_length(ring.type)
    return [int(ring[(head + i) % size]) for i in range(length)]


def callers_of(server):
    """Tasks waiting for `server` to reply."""
    for index, _, task in live_objects(kernel()["tasks"]):
        name, fields = variant(task["state"])
        if name in ("AwaitingReply", "AwaitingReplyUntil") and int(fields["server"]) == server:
            yield index, task


# --- Memory of any task -----------------------------------------------------------------------

PHYS_WINDOW = "kernel::mem::phys::WINDOW"
PAGE_SIZE = 4096


def phys_window():
    """Where the kernel maps all physical memory (kernel::mem::phys)."""
    symbol = static_symbol(PHYS_WINDOW)
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
