"""`sparring export`: a session as a Markdown document or as JSON."""

from __future__ import annotations

import sys
from pathlib import Path

from sparring.cli.output import show
from sparring.cli.parsing import add_session_argument, command_parser
from sparring.files import write_export
from sparring.sessions import store
from sparring.sessions.markdown import to_json, to_markdown
from sparring.visible import visible


def run(argv: list[str]) -> int:
    parser = command_parser("sparring export", "Write a session as Markdown or JSON.")
    add_session_argument(parser)
    parser.add_argument("--format", choices=["md", "json"], default="md")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    options = parser.parse_args(argv)
    session = store.open_session(options.session)
    text = to_markdown(session) if options.format == "md" else to_json(session)
    if options.output:
        write_export(Path(options.output), text)
        print(f"wrote {visible(options.output)}", file=sys.stderr)
    else:
        show(text)
    return 0
