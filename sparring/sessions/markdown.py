"""A session as a document: Markdown to read or share, JSON for other tools, the keepers alone."""

from __future__ import annotations

import json
from typing import Any

from sparring.figures import figures_line, heading, item_summary, status_note, thinking_summary
from sparring.sessions.model import Keeper, Reply, Session, Turn, Vote
from sparring.sessions.toml_format import to_dict
from sparring.sessions.turns import FOLLOW_UP
from sparring.visible import json_visible


def turn_title(turn: Turn) -> str:
    """What a turn asked: `headlines`, `ask: What is weak?`, `follow-up → local: shorter`."""
    if turn.task == FOLLOW_UP:
        target = f" → {turn.to}" if turn.to else ""
        return f"follow-up{target}: {' '.join(turn.user.split())}"
    part = f" · part {turn.part}/{turn.parts}" if turn.parts else ""
    section = f" · {turn.section}" if turn.section else ""
    if turn.instruction:
        return f"{turn.task}{part}{section}: {turn.instruction}"
    return f"{turn.task}{part}{section}"


def vote_of(session: Session, turn_index: int) -> Vote | None:
    """The (last) vote on a turn, cast or pending."""
    return next((v for v in reversed(session.votes) if v.turn == turn_index), None)


def hidden(vote: Vote | None) -> bool:
    """The turn's answers are shown as A and B only: a blind vote still to be cast."""
    return vote is not None and vote.blind and vote.pending


def vote_text(session: Session, vote: Vote) -> str:
    """`Blind vote: B is better. A was local (…); B was …`, or how to cast a pending one."""
    from sparring.judging import blind

    kind = "Blind vote" if vote.blind else "Vote (names shown)"
    if vote.pending:
        return (
            f"{kind} still to be cast: the answers are A and B until "
            f"`sparring vote {session.id} a|b|tie|bad`"
        )
    return f"{kind}: {blind.outcome(vote)}. {blind.reveal(session, vote)}"


def shown_replies(session: Session, turn_index: int) -> list[tuple[str, Reply]]:
    """Each reply of a turn with its heading: the model, or A and B while a vote hides them."""
    from sparring.judging import blind

    turn = session.turns[turn_index]
    vote = vote_of(session, turn_index)
    if vote is not None and hidden(vote) and blind.votable(session, vote):
        return list(zip(blind.LABELS, blind.shown(turn, vote), strict=True))
    return [(heading(reply), reply) for reply in turn.replies]


def to_markdown(session: Session) -> str:
    """The context, each turn's answers with their figures and its vote, then the keepers."""
    lines = [f"# {session.title or 'sparring session'}", ""]
    lines.append(f"Session {session.id}, {session.created[:16].replace('T', ' ')} UTC")
    if session.parent:
        lines.append(f"Re-run of session {session.parent}")
    lines += ["", "## Context", ""]
    if session.context.sources:
        lines += [f"From: {', '.join(session.context.sources)}", ""]
    lines += [_quote(session.context.text), ""]
    for number, turn in enumerate(session.turns, start=1):
        lines += [f"## {number}. {turn_title(turn)}", ""]
        vote = vote_of(session, number - 1)
        for title, reply in shown_replies(session, number - 1):
            lines += [f"### {title}", ""]
            if not hidden(vote):
                lines += [f"*{figures_line(reply)}*", ""]
                if reply.thinking:
                    lines += _thinking_block(reply)
            lines += [_answer(reply), ""]
            for note in (
                item_summary(reply, turn.count),
                "" if hidden(vote) else status_note(reply),
            ):
                if note:
                    lines += [f"> {note}", ""]
        if vote is not None:
            lines += [f"**{vote_text(session, vote)}**", ""]
    if session.keepers:
        lines += ["## Keepers", ""]
        lines += [f"- {keeper_line(session, keeper)}" for keeper in session.keepers]
        lines.append("")
    return "\n".join(lines)


def _answer(reply: Reply) -> str:
    """The reply as written; a list whose items quote the draft, as its items, each with
    its passage and paragraph (or "unanchored")."""
    if not any(item.quote for item in reply.items):
        return reply.text.rstrip() or "(no answer)"
    from sparring.anchors import item_lines

    return "\n".join(item_lines(reply.items, "*"))


def keeper_line(session: Session, keeper: Keeper) -> str:
    """`Shade is a public good (local, turn 1)`; A or B while the turn's vote hides the names."""
    from sparring.judging import blind

    vote = vote_of(session, keeper.turn)
    source = keeper.model
    if hidden(vote) and vote is not None and keeper.model in vote.order:
        source = blind.LABELS[vote.order.index(keeper.model)]
    where = ", ".join(part for part in (source, f"turn {keeper.turn + 1}") if part)
    return f"{' '.join(keeper.text.split())} ({where})"


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
