"""How replies look outside the TUI: figure lines, blocks, and JSON."""

from __future__ import annotations

from typing import Any

from sparring.session import Reply, Session, Turn, reply_dict

WHERE = {"local": "local, on this machine", "cloud": "cloud"}


def figures(reply: Reply) -> str:
    """`ttft 0.21 s · 85.3 tok/s · 212 in / 96 out · $0.0012`: the live figures of a reply."""
    parts: list[str] = []
    if reply.ttft is not None:
        parts.append(f"ttft {reply.ttft:.2f} s")
    rate = reply.tokens_per_second
    if rate is not None:
        parts.append(f"{rate:.1f} tok/s")
    if reply.input_tokens is not None or reply.output_tokens is not None:
        approx = "~" if reply.tokens_estimated else ""
        parts.append(
            f"{approx}{reply.input_tokens or 0} in / {approx}{reply.output_tokens or 0} out"
        )
    parts.append(cost_text(reply.cost))
    return " · ".join(parts)


def cost_text(cost: float | None) -> str:
    if cost is None:
        return "cost unknown"
    if cost == 0:
        return "$0"
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def heading(reply: Reply) -> str:
    name = (
        reply.model
        if reply.model == reply.backend or not reply.backend
        else (f"{reply.model} ({reply.backend})")
    )
    return f"{name} · {WHERE.get(reply.location, reply.location)}"


def status_note(reply: Reply) -> str:
    if reply.status == "ok":
        return ""
    if reply.error:
        return f"[{reply.status}] {reply.error}"
    return f"[{reply.status}]"


def item_summary(reply: Reply) -> str:
    """ "4 distinct of 10" when duplicates were folded."""
    total = sum(item.count for item in reply.items)
    if total and total != len(reply.items):
        return f"{len(reply.items)} distinct of {total}"
    return ""


def block(reply: Reply) -> str:
    """One answer as a block for a pipe: a heading line, the text, the notes."""
    lines = [f"=== {heading(reply)} · {figures(reply)}"]
    lines.append(reply.text.rstrip("\n"))
    for note in (item_summary(reply), status_note(reply)):
        if note:
            lines.append(f"--- {note}")
    return "\n".join(lines) + "\n"


def json_document(session: Session, turn: Turn) -> dict[str, Any]:
    replies = []
    for reply in turn.replies:
        data = to_dict_reply(reply)
        data["tokens_per_second"] = reply.tokens_per_second
        replies.append(data)
    return {
        "session": session.id,
        "task": turn.task,
        "context_sources": session.context.sources,
        "replies": replies,
    }


def to_dict_reply(reply: Reply) -> dict[str, Any]:
    data = reply_dict(reply)
    data["items"] = [
        {"text": item.text, "count": item.count, "variants": item.variants} for item in reply.items
    ]
    return data
