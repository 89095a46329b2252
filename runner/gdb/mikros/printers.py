"""Pretty-printers: the kernel's and userlib's IPC types (task indices and ids named, tags
decoded) and heapless containers (their contents, not their buffers)."""
import gdb
import gdb.printing

from .abi import TAG_FLAGS, tag_text
from .kernel import cap_text, label, name_of, queue_order, state_text, task_id_text
from .rust import byte_text, element_limit, heapless_vec_element, string_text


class Printer:
    """A pretty-printer of one value (gdb.printing calls the class with it)."""

    def __init__(self, value):
        self.value = value


class MsgTagPrinter(Printer):
    def to_string(self):
        return f"MsgTag({tag_text(self.value['__0'])})"


class CapPrinter(Printer):
    def to_string(self):
        return f"Cap({cap_text(self.value)})"


class ReceivedPrinter(Printer):
    def to_string(self):
        sender, flags = int(self.value["sender"]), int(self.value["flags"])
        flag_names = "|".join(name for bit, name in TAG_FLAGS if flags & bit) or "no flags"
        return (
            f"Received from {task_id_text(sender)}, badge {int(self.value['badge']):#x}, "
            f"{flag_names}"
        )

    def children(self):
        yield "msg", self.value["msg"]


class TaskPrinter(Printer):
    """A task without its capability table (`mikros caps` lists that)."""

    def to_string(self):
        task_id = int(self.value["id"])
        state, waits = state_text(self.value["state"])
        return f"Task {task_id & 0xFFFF} ({name_of(self.value)}) id {task_id:#x}, {state} {waits}"

    def children(self):
        for field in ("state", "regs", "pending", "fault_endpoint", "space", "root"):
            yield field, self.value[field]


class StatePrinter(Printer):
    """A task state with the tasks it names (`AwaitingReply { server }` is a task index)."""

    def to_string(self):
        state, waits = state_text(self.value)
        return f"{state} {waits}".strip()


class TaskQueuePrinter(Printer):
    """An endpoint's ring of waiting task indices, in order, named."""

    def to_string(self):
        return "TaskQueue [" + ", ".join(label(i) for i in queue_order(self.value)) + "]"


# The heapless crate's containers, which our messages are made of.


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


class HeaplessStringPrinter(Printer):
    """heapless::String<N>: its text, not the N bytes of its buffer."""

    def to_string(self):
        data = heapless_bytes(self.value["vec"])
        return string_text(data.decode("utf-8", errors="replace"), element_limit())


class HeaplessVecPrinter(Printer):
    """heapless::Vec<T, N>: its `len` elements (bytes as a byte string), not the whole buffer."""

    def to_string(self):
        length, buffer, element = heapless_parts(self.value)
        if element.code == gdb.TYPE_CODE_INT and element.sizeof == 1 and not element.is_signed:
            return byte_text(heapless_bytes(self.value), element_limit())
        limit = element_limit()
        shown = length if limit is None else min(length, limit)
        items = [str(heapless_element(buffer, i)) for i in range(shown)]
        return "[" + ", ".join(items) + (", ..." if shown < length else "") + "]"


class HeaplessMapPrinter(Printer):
    """heapless::IndexMap (FnvIndexMap): its entries, key => value, in insertion order."""

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


def register():
    gdb.printing.register_pretty_printer(None, printers(), replace=True)
