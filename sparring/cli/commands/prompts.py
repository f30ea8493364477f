"""`sparring prompts [NAME]`: the tasks, or one task's file."""

from __future__ import annotations

import sys

from sparring.cli.output import table
from sparring.cli.parsing import command_parser
from sparring.errors import PromptError


def run(argv: list[str]) -> int:
    from sparring import paths, prompts

    parser = command_parser("sparring prompts", "List the prompts, or show one.")
    parser.add_argument("name", nargs="?")
    options = parser.parse_args(argv)
    broken: dict[str, PromptError] = {}
    available = prompts.load_all(broken)
    if options.name in broken:
        raise broken[options.name]
    if options.name:
        prompt = prompts.get(options.name, available)
        if prompt.source is not None:
            print(f"# {prompt.source}", file=sys.stderr)
            sys.stdout.write(prompt.source.read_text(encoding="utf-8"))
        else:
            print(f"system: {prompt.system}\ntemplate: {prompt.template}")
        return 0
    user_dir = paths.user_prompts_dir()
    rows: list[tuple[str, str, str, str]] = []
    for name, prompt in sorted(available.items()):
        origin = "yours" if prompt.source and prompt.source.parent == user_dir else "built-in"
        rows.append((name, prompt.output, origin, prompt.description))
    rows.append((prompts.FREE_TEXT, "text", "built-in", 'a one-off instruction: --ask "..."'))
    rows += [(name, "-", "broken", error.message) for name, error in sorted(broken.items())]
    table(rows)
    return 0
