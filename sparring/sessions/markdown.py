"""A session as a document: Markdown to read or share, JSON for other tools, the keepers alone."""

from __future__ import annotations

import json
from typing import Any

from sparring.figures import figures_line, heading, item_summary, status_note, thinking_summary
from sparring.sessions.model import Reply, Session
from sparring.sessions.toml_format import to_dict
from sparring.visible import json_visible


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
            lines += [f"### {heading(reply)}", "", f"*{figures_line(reply)}*", ""]
            if reply.thinking:
                lines += _thinking_block(reply)
            lines += [reply.text.rstrip() or "(no answer)", ""]
            for note in (item_summary(reply, turn.count), status_note(reply)):
                if note:
                    lines += [f"> {note}", ""]
    if session.keepers:
        lines += ["## Keepers", ""]
        lines += [f"- {keeper.text} ({keeper.model})" for keeper in session.keepers]
        lines.append("")
    return "\n".join(lines)


def _thinking_block(reply: Reply) -> list[str]:
    """The model's thinking, folded away (Markdown renderers show <details> closed)."""
    summary = thinking_summary(reply) or "thought"
    return [
        "<details>",
        f"<summary>{summary.capitalize()}</summary>",
        "",
        _quote(reply.thinking),
        "",
        "</details>",
        "",
    ]


def to_json(session: Session) -> str:
    data: dict[str, Any] = to_dict(session)
    return json_visible(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.rstrip().splitlines())


def keepers_markdown(session: Session) -> str:
    title = session.title or "sparring"
    lines = [f"# Keepers: {title}", ""]
    for keeper in session.keepers:
        source = f" ({keeper.model})" if keeper.model else ""
        text = keeper.text.strip().replace("\n", "\n  ")
        lines.append(f"- {text}{source}")
    return "\n".join(lines) + "\n"
