"""`mikros msg`: the message a task is sending, serving or has just received, raw (tag and words)
and, when it is a typed one, decoded."""
import gdb

from .abi import (
    CALL,
    IPC_SYSCALLS,
    NO_REPLY,
    REPLY,
    REPLY_RECV,
    SEND,
    TAG_FLAGS,
    WORD_REGISTERS,
    register_words,
    registers_message,
    tag_text,
)
from .kernel import (
    callers_of,
    current_index,
    in_kernel,
    label,
    pc,
    program_of,
    resolve_task,
    state_text,
    task_at,
    task_id_text,
)
from .protocols import typed_text
from .rust import enum_name, u64, variant


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
                live = {r: gdb.parse_and_eval(f"${r}") for r in ("rdi", "rsi") + WORD_REGISTERS}
                tag, words = registers_message(live)
                sender = u64(gdb.parse_and_eval("$r12"))
                print(
                    f"just received (rax {int(gdb.parse_and_eval('$rax'))}): badge "
                    f"{u64(live['rdi']):#x}, {tag}, words {words}, "
                    f"from {task_id_text(sender)}"
                )
                raw_tag = u64(live["rsi"])
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
