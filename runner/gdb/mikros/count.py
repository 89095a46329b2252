"""`mikros count`: how many instructions run from here to a place, and in which functions, kernel
and user alike (how docs/smp.md's costs were found)."""
import collections

import gdb

from .kernel import KERNEL_HALF, pc
from .rust import u64
from .step_ipc import Quiet

# Steps at most: over QEMU's gdb stub a thousand take a few seconds.
LIMIT = 100_000
SHOWN = 25


def root():
    """The address space the CPU is in (CR3's frame)."""
    return u64(gdb.parse_and_eval("$cr3")) & ~0xFFF


def function_at(address):
    """The function `address` is in (its debug-info name, else its symbol), or `?`."""
    try:
        block = gdb.block_for_pc(address)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None:
        return block.function.name
    text = gdb.execute(f"info symbol {address:#x}", to_string=True)
    return text.split(" in section")[0].split(" + ")[0].strip() if "No symbol" not in text else "?"


def addresses_of(location):
    """The code addresses of a `break`-style location (FUNCTION, FILE:LINE, *ADDRESS)."""
    if location.startswith("*"):
        return {u64(gdb.parse_and_eval(location[1:]))}
    _, found = gdb.decode_line(location)
    if not found:
        raise gdb.GdbError(f"mikros count: no code at {location}")
    return {sal.pc for sal in found}


class Count(gdb.Command):
    """mikros count [LOCATION]: step one instruction at a time until LOCATION (as `break` takes
it: FUNCTION, FILE:LINE, *ADDRESS) is reached, in the same address space for a user address; with
no LOCATION, until this instruction comes round again in this address space (one turn of a loop:
a round trip of a benchmark, say). Then print how many instructions ran, kernel and user, and the
functions they ran in, most first. Under `-icount` the total is what the guest's `rdtsc` counts.
At most 100,000 steps; a thousand take a few seconds."""

    def __init__(self):
        super().__init__("mikros count", gdb.COMMAND_RUNNING)

    def invoke(self, argument, from_tty):
        start, space = pc(), root()
        targets = addresses_of(argument.strip()) if argument.strip() else {start}
        counts = collections.Counter()
        steps, here = 0, start
        with Quiet():
            while steps < LIMIT:
                in_kernel = here >= KERNEL_HALF
                counts[("K" if in_kernel else "U", function_at(here))] += 1
                gdb.execute("stepi", to_string=True)
                steps += 1
                here = pc()
                if here in targets and (here >= KERNEL_HALF or root() == space):
                    break
            else:
                print(f"mikros count: stopped after {LIMIT} instructions, short of the place")
        kernel = sum(c for (side, _), c in counts.items() if side == "K")
        print(
            f"mikros: {steps} instructions ({kernel} in the kernel, {steps - kernel} in user mode)"
        )
        for (side, name), c in counts.most_common(SHOWN):
            print(f"{c:7} {side} {name}")
        if len(counts) > SHOWN:
            rest = sum(c for _, c in counts.most_common()[SHOWN:])
            print(f"{rest:7}   ({len(counts) - SHOWN} more functions)")
        gdb.execute("frame")
