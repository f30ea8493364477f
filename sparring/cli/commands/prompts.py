"""`sparring prompts [NAME]`: the tasks, or one task's file."""

from __future__ import annotations

import sys

from sparring.cli.commands import subcommand_names
from sparring.cli.output import show, show_line, table
from sparring.cli.parsing import command_parser
from sparring.visible import visible


def run(argv: list[str]) -> int:
    from sparring import paths, prompts

    parser = command_parser("sparring prompts", "List the prompts, or show one.")
    parser.add_argument("name", nargs="?")
    options = parser.parse_args(argv)
    available = prompts.load_all()
    if options.name:
        prompt = prompts.get(options.name, available)
        if prompt.source is not None:
            print(visible(f"# {prompt.source}"), file=sys.stderr)
            show(prompt.source.read_text(encoding="utf-8"))
        else:
            show_line(f"system: {prompt.system}\ntemplate: {prompt.template}")
        return 0
    user_dir = paths.user_prompts_dir()
    commands = subcommand_names()
    rows: list[tuple[str, str, str, str]] = []
    for name, prompt in sorted(available.items()):
        origin = "yours" if prompt.source and prompt.source.parent == user_dir else "built-in"
        about = prompt.description
        if name in commands:
            about = f"named like `sparring {name}`: run it in the TUI, or rename the file"
        rows.append((name, prompt.output, origin, about))
    rows.append((prompts.FREE_TEXT, "text", "built-in", 'a one-off instruction: --ask "..."'))
    for name, error in sorted(available.broken.items()):
        rows.append((name, "-", "broken", error.one_line()))
    table(rows)
    return 0
