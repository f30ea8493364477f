"""Blind comparisons: two answers shown as A and B, the writer votes, then the names.

The order is drawn with the system's random source and recorded in the
session (a pending `Vote`) before any answer is shown, so a vote cast later,
with `sparring vote`, means what the writer saw. Until the vote, nothing
shown on stdout names a model or gives a figure (speed and cost tell them apart).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sparring.errors import UsageError
from sparring.figures import item_summary, where_label
from sparring.sessions.model import Reply, Session, Turn, Vote, now

LABELS = ("A", "B")
QUESTION = "Which is better? [a] A  [b] B  [t] tie  [n] both bad  [s] skip "
# What the writer may type, here and to `sparring vote`, and the choice it records.
ANSWERS = {
    "a": "A",
    "b": "B",
    "t": "tie",
    "tie": "tie",
    "n": "both-bad",
    "bad": "both-bad",
    "both-bad": "both-bad",
}
SKIP = ("s", "skip")


def draw_order(models: Sequence[str], rng: random.Random | None = None) -> list[str]:
    """The two models in the order they will be shown, as A and B: a fair coin."""
    if len(models) != 2:
        raise UsageError(f"a blind comparison takes exactly two models, not {len(models)}")
    rng = rng or random.SystemRandom()
    return rng.sample(list(models), 2)


def start(session: Session, turn_index: int, rng: random.Random | None = None) -> Vote:
    """Draw the order for a turn's two answers and record it, pending, in the session."""
    turn = session.turns[turn_index]
    models = [reply.model for reply in turn.replies]
    if len(set(models)) != len(models):
        raise UsageError(
            "a blind comparison needs two different models",
            hint="e.g. -m local --vs flagship --blind",
        )
    vote = Vote(turn=turn_index, order=draw_order(models, rng), blind=True)
    session.votes.append(vote)
    return vote


def shown(turn: Turn, vote: Vote) -> list[Reply]:
    """The turn's replies in the order shown: A first, then B."""
    by_model = {reply.model: reply for reply in turn.replies}
    return [by_model[name] for name in vote.order]


def display_index(turn: Turn, vote: Vote) -> dict[int, int]:
    """Each reply's index in the turn -> its column (0 for A, 1 for B)."""
    return {index: vote.order.index(reply.model) for index, reply in enumerate(turn.replies)}


def blind_note(reply: Reply) -> str:
    """A failed answer's status without its message, which may name the backend."""
    return "" if reply.status == "ok" else f"[{reply.status}]"


def block(label: str, reply: Reply, asked: int = 0, *, body: str | None = None) -> str:
    """One answer for a pipe, headed only by its label: `=== A`; `body` instead of its text."""
    lines = [f"=== {label}", (reply.text if body is None else body).rstrip("\n")]
    for note in (item_summary(reply, asked), blind_note(reply)):
        if note:
            lines.append(f"--- {note}")
    return "\n".join(lines) + "\n"


def json_document(session: Session, turn: Turn, vote: Vote) -> dict[str, object]:
    answers = [
        {
            "label": label,
            "status": reply.status,
            "text": reply.text,
            "items": [{"text": item.text, "count": item.count} for item in reply.items],
        }
        for label, reply in zip(LABELS, shown(turn, vote), strict=True)
    ]
    return {"session": session.id, "task": turn.task, "blind": True, "answers": answers}


def votable(session: Session, vote: Vote) -> bool:
    """Both answers finished: a fair comparison to judge."""
    turn = session.turns[vote.turn]
    return all(reply.status == "ok" for reply in turn.replies)


def parse_choice(text: str) -> str | None:
    """The recorded choice for what the writer typed; None if it means nothing."""
    return ANSWERS.get(text.strip().lower())


def cast(vote: Vote, choice: str) -> None:
    vote.choice = choice
    vote.created = now()


def last_blind(session: Session) -> Vote | None:
    """The vote of the session's last blind turn, cast or not."""
    blind = [vote for vote in session.votes if vote.blind]
    return max(blind, key=lambda vote: vote.turn) if blind else None


def reveal(session: Session, vote: Vote) -> str:
    """`A was local (local, on this machine); B was anthropic:claude-opus-4-1 (cloud)`."""
    turn = session.turns[vote.turn]
    parts = [
        f"{label} was {_named(reply)}"
        for label, reply in zip(LABELS, shown(turn, vote), strict=True)
    ]
    return "; ".join(parts)


def outcome(vote: Vote) -> str:
    if vote.choice in LABELS:
        return f"{vote.choice} is better"
    return {"tie": "a tie", "both-bad": "both bad"}.get(vote.choice, "no vote")


def _named(reply: Reply) -> str:
    where = where_label(reply.location)
    # An alias says little on its own: name what it stood for.
    is_alias = ":" not in reply.model and reply.model != "local"
    if is_alias and reply.backend and reply.backend != reply.model:
        return f"{reply.model} ({reply.backend}, {where})"
    return f"{reply.model} ({where})"


def pending_vote(session: Session) -> Vote:
    """The vote of the last blind turn, if it can still be cast; a one-line error if not."""
    vote = last_blind(session)
    if vote is None:
        raise UsageError(
            f"session {session.id} has no blind answers to vote on",
            hint="compare two models with --blind first",
        )
    if not vote.pending:
        raise UsageError(
            f"turn {vote.turn + 1} of session {session.id} already has a vote "
            f"({outcome(vote)}); a vote is cast once"
        )
    if not votable(session, vote):
        raise UsageError(
            f"an answer to turn {vote.turn + 1} of session {session.id} did not finish; "
            "there is nothing fair to vote on"
        )
    return vote
