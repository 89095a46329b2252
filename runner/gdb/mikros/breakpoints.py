"""`mikros break`: breakpoints that stop only while one program is the running task."""
import os

import gdb

from .kernel import KERNEL_HALF, current_index, program_of


class ProgramBreakpoint(gdb.Breakpoint):
    """Stops only while `program` is the current task; its copies in other programs are disabled."""

    def __init__(self, program, spec):
        super().__init__(spec)
        self.program = program

    def stop(self):
        return program_of(current_index()) == self.program


def program_names():
    return {os.path.basename(o.filename) for o in gdb.objfiles() if o.filename}


class Break(gdb.Command):
    """mikros break PROGRAM LOCATION: a breakpoint that stops only while PROGRAM runs.
LOCATION is anything `break` takes; in the kernel too (e.g. `kernel::sched::Kernel::fast_call`
stops only on PROGRAM's calls). Copies of LOCATION in other programs (a userlib function) are
disabled, and a file name that matches several files is reported."""

    def __init__(self):
        super().__init__("mikros break", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, argument, from_tty):
        parts = argument.split(None, 1)
        if len(parts) != 2:
            raise gdb.GdbError("usage: mikros break PROGRAM LOCATION")
        program, spec = parts
        names = program_names()
        if program not in names:
            raise gdb.GdbError(f"no program {program!r}; programs: {' '.join(sorted(names))}")
        bp = ProgramBreakpoint(program, spec)
        locations = getattr(bp, "locations", [])
        files, disabled = set(), 0
        for location in locations:
            symtab = gdb.find_pc_line(location.address).symtab
            if symtab is None:
                continue
            files.add(symtab.fullname())
            owner = os.path.basename(symtab.objfile.filename)
            if owner != program and location.address < KERNEL_HALF:
                location.enabled = False
                disabled += 1
        copies = "copy" if disabled == 1 else "copies"
        note = f" ({disabled} {copies} in other programs disabled)" if disabled else ""
        print(f"Breakpoint {bp.number}: {spec}, only in {program}{note}")
        if ":" in spec and len(files) > 1:
            print(f"warning: {spec} matches {len(files)} files: {', '.join(sorted(files))}")
            print("warning: give more of the path (e.g. src/bin/NAME.rs:LINE) to pick one")
