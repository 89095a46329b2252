"""postcard's encoding read back with a Rust type from the debug info: a typed message's bytes as
the value they encode, in Rust's Debug style."""
import struct

import gdb

from .rust import (
    array_length,
    byte_text,
    data_fields,
    element_limit,
    heapless_vec_element,
    is_rust_enum,
    short_name,
    string_text,
    struct_text,
)


class Undecodable(Exception):
    pass


class Reader:
    """postcard's encoding, read back: varints (LEB128, zigzag for signed), raw bytes."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, count):
        if self.at + count > len(self.data):
            raise Undecodable("the bytes end early")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def varint(self, bits):
        value = 0
        for i in range((bits + 6) // 7):
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if value >> bits:
                    raise Undecodable(f"a varint over {bits} bits")
                return value
        raise Undecodable("a varint too long")


def fields_text(name, struct_type, reader, depth):
    fields = data_fields(struct_type)
    values = [decode_postcard(f.type, reader, depth + 1) for f in fields]
    return struct_text(name, fields, values)


def decode_postcard(value_type, reader, depth=0):
    """The value of Rust type `value_type` that `reader` holds, in Rust's Debug style. What serde's
    derive and postcard write: fields in declaration order, an enum's variant index as a varint,
    sequences and strings with a varint length, integers as varints (u8/i8 as one byte)."""
    if depth > 32:
        raise Undecodable("nested too deeply")
    t = value_type.strip_typedefs()
    name, code = t.name or "", t.code
    if code == gdb.TYPE_CODE_BOOL:
        byte = reader.take(1)[0]
        if byte > 1:
            raise Undecodable(f"bool {byte}")
        return "true" if byte else "false"
    if code == gdb.TYPE_CODE_CHAR:
        text = reader.take(reader.varint(64)).decode("utf-8", errors="strict")
        return repr(text)
    if code == gdb.TYPE_CODE_INT:
        if t.sizeof == 0:
            return "()"
        if t.sizeof == 1:
            byte = reader.take(1)[0]
            return str(byte - 256 if t.is_signed and byte >= 128 else byte)
        number = reader.varint(t.sizeof * 8)
        if t.is_signed:
            number = (number >> 1) ^ -(number & 1)
        return str(number)
    if code == gdb.TYPE_CODE_FLT:
        return str(struct.unpack("<f" if t.sizeof == 4 else "<d", reader.take(t.sizeof))[0])
    if code == gdb.TYPE_CODE_ENUM:
        index, variants = reader.varint(32), t.fields()
        if index >= len(variants):
            raise Undecodable(f"variant {index} of {name}")
        return short_name(variants[index].name)
    if code == gdb.TYPE_CODE_ARRAY:
        element = t.target().strip_typedefs()
        count = array_length(t)
        if element.code == gdb.TYPE_CODE_INT and element.sizeof == 1:
            return byte_text(reader.take(count))
        return list_text(decode_postcard(element, reader, depth + 1) for _ in range(count))
    if code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        raise Undecodable(f"a {name or 'value'} (not serialisable by value)")
    if name.startswith("heapless::string::String<"):
        _, capacity = heapless_vec_element(t.fields()[0].type.strip_typedefs())
        count = reader.varint(64)
        if count > capacity:
            raise Undecodable(f"{count} bytes for a {name}")
        try:
            return string_text(reader.take(count).decode("utf-8"), element_limit())
        except UnicodeDecodeError:
            raise Undecodable(f"a {name} that is not UTF-8")
    if name.startswith("heapless::vec::Vec<"):
        element, capacity = heapless_vec_element(t)
        count = reader.varint(64)
        if count > capacity:
            raise Undecodable(f"{count} elements for a {name}")
        if element.code == gdb.TYPE_CODE_INT and element.sizeof == 1 and not element.is_signed:
            return byte_text(reader.take(count), element_limit())
        return list_text(decode_postcard(element, reader, depth + 1) for _ in range(count))
    if is_rust_enum(t):
        variants = [f for f in t.fields() if not f.artificial]
        index = reader.varint(32)
        if index >= len(variants):
            raise Undecodable(f"variant {index} of {name} (it has {len(variants)})")
        variant_field = variants[index]
        return fields_text(variant_field.name, variant_field.type.strip_typedefs(), reader, depth)
    if name.startswith("core::marker::PhantomData"):
        return "PhantomData"
    if name.startswith("("):
        values = [decode_postcard(f.type, reader, depth + 1) for f in data_fields(t)]
        return "(" + ", ".join(values) + (",)" if len(values) == 1 else ")")
    return fields_text(short_name(name), t, reader, depth)


def list_text(items):
    return "[" + ", ".join(items) + "]"


def decode_exact(value_type, data):
    reader = Reader(data)
    text = decode_postcard(value_type, reader)
    if reader.at != len(data):
        raise Undecodable(f"{len(data) - reader.at} bytes left over")
    return text
