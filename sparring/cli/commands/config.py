"""`sparring config init|path|show`: write, locate or show the config file."""

from __future__ import annotations

import sys

from sparring.cli.output import say, show
from sparring.cli.parsing import command_parser
from sparring.visible import visible


def run(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring import paths

    parser = command_parser("sparring config", "Write, locate or show the config file.")
    parser.add_argument("action", choices=["init", "path", "show"])
    parser.add_argument("--force", action="store_true", help="replace an existing file (init)")
    options = parser.parse_args(argv)
    if options.action == "path":
        say(str(paths.config_file()))
    elif options.action == "init":
        path = config_module.write_starter(force=options.force)
        print(visible(f"wrote {path}"), file=sys.stderr)
    else:
        config_module.load()  # refuses a broken file with file, line and key
        path = paths.config_file()
        if path.exists():
            show(path.read_text(encoding="utf-8"))
        else:
            print(visible(f"no config file at {path}; the defaults apply"), file=sys.stderr)
    return 0
