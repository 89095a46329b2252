"""The abi crate's numbers (system calls, MsgTag's layout, rights) and messages in words. Bit
constants are not in the debug info; the gdb system test checks these decodings against a real
run."""
from .rust import u64

# abi::sysnum: the IPC system calls.
SEND, RECV, CALL, REPLY, REPLY_RECV = 4, 5, 6, 7, 8
IPC_SYSCALLS = {SEND: "Send", RECV: "Recv", CALL: "Call", REPLY: "Reply", REPLY_RECV: "ReplyRecv"}
# userlib::sys::NO_REPLY: ReplyRecv without a reply.
NO_REPLY = (1 << 64) - 1
# abi::cap::Rights bits and abi::msg::MsgTag's layout and delivery flags.
RIGHTS = ["SEND", "RECEIVE", "GRANT", "MAP", "READ", "CONTROL"]
TAG_FLAGS = [(1 << 44, "CALL"), (1 << 45, "KERNEL"), (1 << 46, "CAPS_LOST")]
KERNEL_LABELS = {0xFFFF0001: "PAGE_FAULT", 0xFFFF0002: "EXCEPTION", 0xFFFF0003: "EXIT"}
# The registers of a message's words in a syscall (rdi holds the slot or badge, rsi the tag).
WORD_REGISTERS = ("rdx", "r10", "r8", "r9")
# abi::layout::IPC_BUFFER: every task's IPC buffer (abi::msg::IpcBuffer: message words first).
IPC_BUFFER = 0x0000_7FFF_FFFF_0000


def rights_text(bits):
    names = [name for bit, name in enumerate(RIGHTS) if bits & (1 << bit)]
    return "|".join(names) if names else "none"


def tag_fields(tag):
    """(label, words, capabilities) of a MsgTag."""
    tag = u64(tag)
    return tag & 0xFFFF_FFFF, (tag >> 32) & 0xFF, (tag >> 40) & 0xF


def tag_text(tag):
    """MsgTag decoded: label, words, capabilities, delivery flags."""
    tag = u64(tag)
    label_value, words, caps = tag_fields(tag)
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


def register_words(regs):
    """The four message words of a register block (a task's saved registers, or the live ones)."""
    return [u64(regs[r]) for r in WORD_REGISTERS]


def registers_message(regs):
    """(the tag in words, the words the tag counts in hex) of a register block."""
    count = min(tag_fields(regs["rsi"])[1], len(WORD_REGISTERS))
    return tag_text(regs["rsi"]), [f"{w:#x}" for w in register_words(regs)[:count]]
