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
    mikros count [LOC]        instructions (and in which functions) from here to LOC, or once
                              round a loop

TASK is an index (as `mikros tasks` shows) or a program name. Pretty-printers show MsgTag,
kernel capabilities, tasks, task states and endpoint queues (task indices named),
`userlib::ipc::Received` (its sender named), heapless String, Vec and IndexMap (their contents, not
their buffers), and (gdb 13) Rust enums gdb itself would crash on (see mikros/gdb13.py).

Typed protocols (userlib::rpc): `mikros msg` decodes a typed message's postcard bytes with the
protocol's Rust types, found in the debug info of the programs at both ends; `mikros step-ipc`
stops in a typed server's handler and on a typed client's line after its call.

This file is the extension's entry point: the code is in the package next to it (mikros/), one
module a job. `source` this file again after editing any of them: it reloads them all.
"""
import importlib
import os
import sys

import gdb

# The package's modules, each after those it imports from: a reload then binds each to the new
# versions of the others.
MODULES = [
    "rust",
    "abi",
    "kernel",
    "postcard",
    "protocols",
    "commands",
    "msg",
    "breakpoints",
    "step_ipc",
    "count",
    "printers",
    "gdb13",
]


def load():
    """The package, imported from this file's directory; reloaded, if it was already."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    for name in ["mikros"] + [f"mikros.{m}" for m in MODULES]:
        if name in sys.modules:
            importlib.reload(sys.modules[name])
        else:
            importlib.import_module(name)
    return sys.modules["mikros"]


mikros = load()
mikros.commands.Mikros()
mikros.commands.Tasks()
mikros.commands.Caps()
mikros.commands.EndpointCommand()
mikros.msg.Msg()
mikros.breakpoints.Break()
mikros.step_ipc.StepIpc()
mikros.commands.Console()
mikros.commands.TaskCommand()
mikros.count.Count()
mikros.printers.register()
mikros.gdb13.register()
# `step` goes through our code, not into the core library's (slice copies, Result::map, ...).
gdb.execute("skip -rfunction ^(core|alloc|compiler_builtins)::", to_string=True)
