"""The modules of the mikros gdb extension. Its entry point is runner/gdb/mikros.py, which gdb
`source`s: it imports (or, sourced again, reloads) these and registers their commands and
pretty-printers."""
