"""Typed messages (abi::wire, userlib::rpc): the protocols each program uses, found in the debug
info, and a typed message decoded with their Rust types."""
import os
import re

import gdb

from .abi import IPC_BUFFER, tag_fields
from .kernel import read_task_memory
from .postcard import Undecodable, decode_exact
from .rust import short_name, static_symbol, u64

# abi::wire: a typed message's label is (protocol id or ReplyKind) << 16 | byte count; the bytes
# (postcard) fill the register words, then the IPC buffer's words.
WIRE_MAX_BYTES = 64 * 8
REG_WORDS = 4
REPLY_KINDS = {0: "Ok", 1: "Err", 2: "Rejected", 3: "TooLong"}
REJECTIONS = {1: "WrongProtocol", 2: "BadLength", 3: "Undecodable", 4: "WrongCaps", 5: "NoCapSlot"}
# The userlib::rpc functions whose instantiations name a program's protocols and their types.
PROTOCOL_FUNCTIONS = [
    "^userlib::rpc::server::decode_request<",
    "^userlib::rpc::server::reply_message<",
    "^userlib::rpc::client::Client<.*>::call_with_caps",
]
_protocols = None


def enum_payload(enum_type, variant_name):
    """The type inside `variant_name(T)` of a Rust enum type (`Ok` of a Result, ...)."""
    for field in enum_type.strip_typedefs().fields():
        if field.name == variant_name:
            return field.type.strip_typedefs().fields()[0].type
    raise KeyError(variant_name)


def protocol_types(function, ftype):
    """(protocol, {role: type}) from one userlib::rpc instantiation's signature."""
    found = re.match(r"userlib::rpc::server::decode_request<(.*)>$", function)
    if found:
        return found.group(1), {"request": enum_payload(ftype.target(), "Ok")}
    found = re.match(r"userlib::rpc::server::reply_message<(.*)>$", function)
    if found:
        result = ftype.fields()[0].type.target()
        return found.group(1), {
            "reply": enum_payload(result, "Ok"),
            "error": enum_payload(result, "Err"),
        }
    found = re.match(r"userlib::rpc::client::Client<(.*)>::call_with_caps", function)
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
                symbol = static_symbol(function, objfile)
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


def message_bytes(tag, words, buffer_task):
    """The `label_len` bytes of a typed message: its register words, then words from the IPC
    buffer of `buffer_task` (where the sender wrote them, or where they were delivered)."""
    label_value, count, _ = tag_fields(tag)
    length = label_value & 0xFFFF
    data = b"".join(w.to_bytes(8, "little") for w in words[:REG_WORDS])
    if count > REG_WORDS:
        data = data.ljust(REG_WORDS * 8, b"\0")
        data += read_task_memory(buffer_task, IPC_BUFFER + REG_WORDS * 8, (count - REG_WORDS) * 8)
    return data[:length]


def typed_text(tag, words, buffer_task, programs, reply):
    """What a typed message says, decoded with the types of the protocols `programs` use (the
    sender's and the receiver's), or None when it is not a typed message of theirs."""
    tag = u64(tag)
    label_value, count, _ = tag_fields(tag)
    high, length = label_value >> 16, label_value & 0xFFFF
    known = [(p, types) for prog in programs for p, types in protocols().get(prog, {}).items()]
    if not known:
        return None
    if reply and high == 2 and length == 0 and count >= 1:
        why = words[0] if words else 0
        return f"typed reply Rejected({REJECTIONS.get(why, why)})"
    if reply and high == 3 and length == 0 and count >= 1:
        return f"typed reply TooLong (the reply needed {words[0] if words else 0} bytes)"
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
