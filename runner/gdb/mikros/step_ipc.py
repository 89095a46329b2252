"""`mikros step-ipc`: run from one side of an IPC to the other, and on into the other task's own
code (a typed server's handler, a typed client's line after its call)."""
import re

import gdb

from .abi import CALL, IPC_SYSCALLS, NO_REPLY, REPLY, REPLY_RECV, SEND
from .kernel import current_index, entered_index, in_kernel, label, pc, task_at
from .rust import u64, variant


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


TYPED_SERVE = "userlib::rpc::serve::serve<"
TYPED_CLIENT = "userlib::rpc::client::Client<"


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


def function_block(block):
    """The block of the function `block` is in, or None."""
    while block is not None and block.function is None:
        block = block.superblock
    return block


def function_range(frame):
    block = function_block(frame.block())
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
            block = function_block(gdb.block_for_pc(target))
            yield insn["addr"], (block.function.name if block is not None else "")


def serve_calls(serve):
    """In a typed server's loop (`userlib::rpc::serve<P, S>`): the calls of the handler
    (`<S as Server<P>>::handle`) and of `rpc::rejection`."""
    handler, reject = [], []
    for address, callee in calls_in(*function_range(serve)):
        if callee.endswith("::handle"):
            handler.append(address)
        elif callee == "userlib::rpc::server::rejection":
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
        arrived = self.arrival(task, sysnum, u64(regs["r12"]))
        if not run_until([f"*{symbol_address('restore_user_regs')}"], arrived):
            print("mikros: stopped before the other side ran (see above)")
            return
        other = entered_index()
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
        sp = u64(caller.read_register("rsp"))

        def returned():
            rsp = u64(gdb.parse_and_eval("$rsp"))
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
            return entered_index()

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
