"""The `sparring` command: the command table, and every failure as one line and an exit code.

    sparring [TASK] [FILE ...] [-m MODEL ...]   a task in pipe mode, answer on stdout
    sparring [FILE ...] [-m MODEL ...]          the TUI (no task)
    sparring models | prompts [NAME] | pull NAME|hf:OWNER/REPO[:FILE] | config init|path|show
    sparring continue [ID] TEXT                 a follow-up to a saved session (default: the newest)
    sparring sessions [QUERY] | replay ID | rerun ID | export ID
    sparring vote ID a|b|tie|bad | stats [--task T] [--json]

Each subcommand is a module of `commands/`, imported only when it is asked
for; the TUI only to launch it, and each backend's SDK only when one of its
models runs, so `sparring --help` starts fast. Nothing below this package
imports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib import import_module

from sparring.cli import streams
from sparring.errors import Interrupted, SparringError

#: Subcommand -> the module in sparring.cli.commands whose `run(argv)` carries it out.
COMMANDS = {
    "models": "models",
    "prompts": "prompts",
    "pull": "pull",
    "config": "config",
    "sessions": "sessions",
    "replay": "replay",
    "rerun": "rerun",
    "export": "export",
    "vote": "vote",
    "stats": "stats",
    "continue": "follow",
}


def main(argv: list[str] | None = None) -> int:
    # Called with no arguments, this is the `sparring` process itself, which pipe
    # mode may end at once when it is done; called with some, it must return.
    whole_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if whole_process:
        streams.install()
    debug = "--debug" in argv
    try:
        if argv and argv[0] in COMMANDS:
            module = import_module(f"sparring.cli.commands.{COMMANDS[argv[0]]}")
            handler: Callable[[list[str]], int] = module.run
            return streams.finish(handler([arg for arg in argv[1:] if arg != "--debug"]))
        from sparring.cli.commands import task

        return streams.finish(task.run(argv, whole_process=whole_process))
    except SparringError as error:
        if debug:
            raise
        report(error)
        return error.exit_code
    except KeyboardInterrupt:
        print("sparring: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def report(error: SparringError) -> None:
    from sparring.visible import visible

    print(f"sparring: error: {visible(error.one_line())}", file=sys.stderr)
