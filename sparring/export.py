"""`sparring export`: a session as a Markdown document or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sparring.render import figures, heading, item_summary, status_note
from sparring.session import Session, to_dict


def to_markdown(session: Session) -> str:
    """The context, each turn's answers as sections with their figures, then the keepers."""
    lines = [f"# {session.title or 'sparring session'}", ""]
    lines.append(f"Session {session.id}, {session.created[:16].replace('T', ' ')} UTC")
    if session.parent:
        lines.append(f"Re-run of session {session.parent}")
    lines += ["", "## Context", ""]
    if session.context.sources:
        lines += [f"From: {', '.join(session.context.sources)}", ""]
    lines += [_quote(session.context.text), ""]
    for number, turn in enumerate(session.turns, start=1):
        title = turn.task if turn.task != "follow-up" else f"follow-up: {turn.user[:60]}"
        lines += [f"## {number}. {title}", ""]
        if turn.instruction:
            lines += [f"Instruction: {turn.instruction}", ""]
        for reply in turn.replies:
            lines += [f"### {heading(reply)}", "", f"*{figures(reply)}*", ""]
            lines += [reply.text.rstrip() or "(no answer)", ""]
            for note in (item_summary(reply), status_note(reply)):
                if note:
                    lines += [f"> {note}", ""]
    if session.keepers:
        lines += ["## Keepers", ""]
        lines += [f"- {keeper.text} ({keeper.model})" for keeper in session.keepers]
        lines.append("")
    return "\n".join(lines)


def to_json(session: Session) -> str:
    data: dict[str, Any] = to_dict(session)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.rstrip().splitlines())


def cmd_export(argv: list[str]) -> int:
    from sparring import store
    from sparring.cli import command_parser
    from sparring.errors import CannotSave

    parser = command_parser("sparring export", "Write a session as Markdown or JSON.")
    parser.add_argument("session", help="an ID, a unique prefix of one, or a path")
    parser.add_argument("--format", choices=["md", "json"], default="md")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    options = parser.parse_args(argv)
    session = store.open_session(options.session)
    text = to_markdown(session) if options.format == "md" else to_json(session)
    if options.output:
        try:
            Path(options.output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CannotSave(f"cannot write {options.output}: {error.strerror}") from None
        print(f"wrote {options.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
