"""Replies as pipe mode prints them: a block per answer, and the JSON document."""

from __future__ import annotations

from typing import Any

from sparring.anchors import item_lines
from sparring.figures import figures_line, heading, item_summary, status_note
from sparring.items import Item
from sparring.sessions.model import Reply, Session, Turn
from sparring.sessions.toml_format import reply_dict


def folded_list(reply: Reply) -> str:
    """A list reply's distinct items, numbered, as its folded answer is printed; an item
    that quoted the draft is followed by the quote and where it is (or "unanchored")."""
    return "".join(f"{line}\n" for line in item_lines(reply.items))


def block(reply: Reply, asked: int = 0, *, raw: bool = False) -> str:
    """One answer as a block for a pipe: a heading line, the text (a list folded), the notes."""
    lines = [f"=== {heading(reply)} · {figures_line(reply)}"]
    body = reply.text if raw or not reply.items else folded_list(reply)
    lines.append(body.rstrip("\n"))
    for note in (item_summary(reply, asked), status_note(reply)):
        if note:
            lines.append(f"--- {note}")
    return "\n".join(lines) + "\n"


def json_document(session: Session, turn: Turn, *, saved: bool = True) -> dict[str, Any]:
    """The turn as one JSON document; `session` is null when nothing was saved (--no-save)."""
    replies = []
    for reply in turn.replies:
        data = to_dict_reply(reply)
        data["tokens_per_second"] = reply.tokens_per_second
        replies.append(data)
    return {
        "session": session.id if saved else None,
        "task": turn.task,
        "seed": turn.seed,
        "context_sources": session.context.sources,
        "replies": replies,
    }


def item_json(item: Item) -> dict[str, Any]:
    """One item in --json: its text, how many lines folded into it, and where it points."""
    data: dict[str, Any] = {"text": item.text, "count": item.count, "variants": item.variants}
    if item.section:
        data["section"] = item.section
    if item.quote:
        data["quote"] = item.quote
        data["anchor"] = (
            {"start": item.anchor[0], "end": item.anchor[1], "paragraph": item.paragraph}
            if item.anchor is not None
            else None
        )
    return data


def to_dict_reply(reply: Reply) -> dict[str, Any]:
    data = reply_dict(reply)
    data["items"] = [item_json(item) for item in reply.items]
    return data
