"""Run a command's Python entry point, then write the names in sys.modules to a file.

    python probe_modules.py OUT.json SCRIPT [ARGS...]     # a console script
    python probe_modules.py OUT.json -m MODULE [ARGS...]  # python -m MODULE

The names are written at exit (atexit), so a command that ends with
SystemExit, as every console script does, is covered too; and before
`os._exit`, which pipe mode calls to skip the interpreter's teardown.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import sys


def main() -> None:
    out, target, *rest = sys.argv[1:]

    def dump() -> None:
        with open(out, "w", encoding="utf-8") as file:
            json.dump(sorted(sys.modules), file)

    atexit.register(dump)
    real_exit = os._exit

    def dump_and_exit(code: int) -> None:
        dump()
        real_exit(code)

    os._exit = dump_and_exit  # type: ignore[assignment]
    if target == "-m":
        module, *arguments = rest
        sys.argv = [module, *arguments]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target, *rest]
        runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
