"""Rust values and types as gdb shows them (enums, structs, heapless containers), and Rust
literals for bytes and text."""
import re

import gdb

U64 = (1 << 64) - 1


def u64(value):
    """A value as the unsigned 64-bit number it holds (gdb reads registers as signed)."""
    return int(value) & U64


def static_symbol(name, scope=gdb):
    """The symbol `name`, static or global, in `scope` (gdb: every objfile; or one objfile)."""
    return scope.lookup_static_symbol(name) or scope.lookup_global_symbol(name)


def array_length(array_type):
    return array_type.range()[1] + 1


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


def short_name(name):
    """`kv::protocol::Request::Put` -> `Put` (generic arguments kept whole)."""
    depth, cut = 0, 0
    for i, c in enumerate(name or ""):
        depth += {"<": 1, ">": -1}.get(c, 0)
        if depth == 0 and name[i : i + 2] == "::":
            cut = i + 2
    return (name or "?")[cut:]


def has_field(value, name):
    """Whether a struct (or enum variant) value has a field `name`."""
    return any(f.name == name for f in value.type.fields())


def data_fields(struct_type):
    return [f for f in struct_type.fields() if hasattr(f, "bitpos") and not f.artificial]


def struct_text(name, fields, values, debug_style=True):
    """A struct or enum variant with its fields' values: `Name(a, b)` when they are a tuple's,
    else `Name { x: a }` as Debug writes it or, `debug_style` false, `Name{x: a}` as gdb does."""
    if not fields:
        return name
    if all(re.fullmatch(r"__\d+", f.name or "") for f in fields):
        return f"{name}({', '.join(values)})"
    pairs = ", ".join(f"{f.name}: {v}" for f, v in zip(fields, values))
    return f"{name} {{ {pairs} }}" if debug_style else f"{name}{{{pairs}}}"


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
    return element, array_length(buffer)


# Rust literals (as Debug writes them) for bytes and text.

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
