"""A printer for the Rust enums gdb 13 crashes on (values returned by value).

gdb 13 (and 12) print a Rust enum value whose type was never resolved against its contents (a
value `finish` returns, or a function call's) with the wrong variant's fields: the variant is
found in the resolved type but its fields are taken by that index from the unresolved one
(rust-lang.c, print_enum: `value_field (val, variant_fieldno)`). When the wrong variant has
fewer fields gdb fails an assertion and dies (`finish` out of a function returning
`Option::Some(request)`; docs/debugging.md). Such values are printed here instead: by their
variant when the discriminant is a tag of its own (variant i has tag i), else as a note."""
import re

import gdb
import gdb.printing

from .printers import Printer
from .rust import data_fields, is_rust_enum, short_name, struct_text

GDB_MAJOR = int(re.match(r"\d+", gdb.VERSION).group(0))


def tagged_variant(value):
    """The active variant field of an unresolved Rust enum value whose discriminant is a tag of its
    own (it overlaps no variant's data, and the n-th variant has tag n); None for a niche layout
    (the tag lives inside a variant's data, values rustc chose), which Python cannot see."""
    fields = value.type.strip_typedefs().fields()
    tag = fields[0]
    start = tag.bitpos // 8
    end = start + tag.type.sizeof
    for variant_field in fields[1:]:
        for inner in data_fields(variant_field.type.strip_typedefs()):
            at = (variant_field.bitpos + inner.bitpos) // 8
            if at < end and start < at + inner.type.sizeof:
                return None
    number = int(value[tag])
    return fields[1 + number] if 0 <= number < len(fields) - 1 else None


class UnresolvedEnumPrinter(Printer):
    def to_string(self):
        if self.value.address is not None:
            resolved = self.value.address.dereference()  # read again: gdb resolves it now
            if not resolved.type.strip_typedefs().dynamic:
                return resolved
        active = tagged_variant(self.value)
        if active is None:
            fields = self.value.type.strip_typedefs().fields()
            variants = " | ".join(short_name(f.name) for f in fields[1:])
            return (
                f"<{self.value.type} ({variants}) returned by value: gdb {gdb.VERSION.split()[0]} "
                "cannot print it safely (print the variable it is stored in)>"
            )
        payload = self.value[active]
        fields = data_fields(payload.type.strip_typedefs())
        values = [str(payload[f]) for f in fields]
        return struct_text(str(payload.type.strip_typedefs()), fields, values, debug_style=False)


def unresolved_enum(value):
    """The printer for a Rust enum value gdb 13 would misprint (or crash on), else None."""
    t = value.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT or not t.dynamic or not is_rust_enum(t):
        return None
    if len(t.fields()) < 3:  # a discriminant and one variant: resolved
        return None
    return UnresolvedEnumPrinter(value)


def register():
    """Adds the printer to a gdb that needs it (13 and older)."""
    if GDB_MAJOR <= 13:
        unresolved_enum.name = "mikros-unresolved-enum"
        unresolved_enum.enabled = True
        gdb.printing.register_pretty_printer(None, unresolved_enum, replace=True)
