"""The `mikros` prefix command and the commands that show the kernel's state: tasks, a task's
capabilities, an endpoint, a task id; and the guest's console."""
import os

import gdb

from .abi import tag_text
from .kernel import (
    cap_slots,
    cap_text,
    current_index,
    running_cpus,
    kernel,
    label,
    live_objects,
    name_of,
    queue_order,
    resolve_task,
    state_text,
    task_at,
    task_id_text,
)
from .rust import enum_name, u64, variant

# Where the runner logs the guest's console while gdb has the terminal (the checkout's target/).
CONSOLE_LOG = os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "target", "gdb-console.log")
)


class Mikros(gdb.Command):
    """mikros commands: tasks, caps, endpoint, msg, task, break, step-ipc, console (`help mikros X`)."""

    def __init__(self):
        super().__init__("mikros", gdb.COMMAND_USER, prefix=True)


class Tasks(gdb.Command):
    """Every task: index, id, name, state, the CPU it runs on (or is queued on, or ran on last),
what it waits on, address space (its CR3). `*` marks the selected CPU's current task (the one
running, or whose syscall the kernel is handling)."""

    def __init__(self):
        super().__init__("mikros tasks", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        k = kernel()
        current = current_index()
        running = running_cpus(k)
        print(
            f"  {'#':>3} {'id':>9}  {'name':<12} {'state':<18} cpu {'waits on':<30} space  cr3"
        )
        for index, _, task in live_objects(k["tasks"]):
            state, waits = state_text(task["state"])
            if index in running and state == "ready":
                state = "running"
            cpu = running.get(index, int(task["cpu"]))
            mark = "*" if index == current else " "
            print(
                f"{mark} {index:>3} {int(task['id']):>#9x}  {name_of(task):<12} {state:<18} "
                f"{cpu:>3} {waits:<30} {int(task['space']):>5}  {int(task['root']):#x}"
            )


class Caps(gdb.Command):
    """mikros caps [TASK]: the capabilities a task holds, slot by slot (default: current task)."""

    def __init__(self):
        super().__init__("mikros caps", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        index = resolve_task(argument)
        print(f"{label(index)}:")
        for slot, cap in cap_slots(task_at(index)):
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
            for slot, cap in cap_slots(task):
                if (
                    int(cap["index"]) == wanted
                    and enum_name(cap["kind"]) == "Endpoint"
                    and int(cap["gen"]) == gen
                ):
                    print(f"  {label(index)} slot {slot}: {cap_text(cap)}")


class TaskCommand(gdb.Command):
    """mikros task EXPRESSION: a task id (generation << 16 | index, such as `request.sender` or
`$r12`) or index, named."""

    def __init__(self):
        super().__init__("mikros task", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            raise gdb.GdbError("usage: mikros task ID (an expression: request.sender, $r12, 3)")
        number = u64(gdb.parse_and_eval(argument))
        print(task_id_text(number) if number > 0xFFFF else label(number))


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
