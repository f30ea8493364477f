"""The session file: one TOML file per session, written with tomli-w, readable in a text editor.

    format = 3
    id = "3f9a1c2e"
    created = "2026-11-23T15:21:00+00:00"
    title = "headlines: Why our city needs more trees"
    egress = ["anthropic:claude-opus-4-1"]   # places that saw the context
    writer = 4242              # pid of the process streaming into it; absent when done

    [context]
    text = '''...'''
    sources = ["draft.md"]

    [[turns]]                  # one per prompt sent (task, follow-up)
    task = "headlines"
    instruction = ""
    output = "list"
    system = "..."
    user = "..."               # the rendered message, as sent
    to = ""                    # "" for every column, else the model it went to
    seed = 1187623             # the sampler's seed sent with it (absent in older files)

    [[turns.replies]]          # one per model that answered
    model = "local"            # as the writer named it
    backend = "local:SmolLM2-135M-Instruct.Q4_1"
    location = "local"         # "local" (this machine) or "cloud"
    status = "ok"              # ok | streaming | interrupted | cancelled | error
    text = '''...'''
    items = [{ text = "...", count = 3 }]
    input_tokens = 212  output_tokens = 96  ttft = 0.41  seconds = 2.3  cost = 0.0

    [[keepers]]                # ideas the writer starred
    text = "..."  model = "local"  turn = 0

    [[votes]]                  # which of two answers to a turn was better
    turn = 0                   # index into turns
    choice = "A"               # A | B | tie | both-bad; "" until the writer votes
    order = ["anthropic:claude-opus-4-1", "local"]   # the models shown as A and B
    blind = true               # names and figures hidden until the vote
    created = "2026-11-23T15:22:10+00:00"            # when cast (pending: when drawn)

A blind run records its vote, with the order drawn at random, before any
answer is shown; the choice is filled in when the writer votes. Files
without votes (older ones) have no `votes` key, and none is written.

Absent values (no cost known, no error) are left out, as TOML has no null.
The file is replaced atomically on every save (see files.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sparring.errors import NewerFormat, SessionFormatError, StreamInterrupted
from sparring.items import Item
from sparring.providers.listing import ListShape
from sparring.sessions.model import FORMAT_VERSION, VOTE_CHOICES, Reply, Session, Turn, Vote
from sparring.typed import Malformed, build, toml_data


def to_toml(session: Session) -> str:
    import tomli_w

    data = to_dict(session)
    # tomli-w turns CRLF into LF inside multi-line strings; escaped strings keep it.
    multiline = not _contains_crlf(data)
    return tomli_w.dumps(data, multiline_strings=multiline)


def to_dict(session: Session) -> dict[str, Any]:
    data: dict[str, Any] = {
        # Always the current format: a file saved again holds what this version writes.
        "format": FORMAT_VERSION,
        "id": session.id,
        "created": session.created,
        "title": session.title,
    }
    if session.parent:
        data["parent"] = session.parent
    if session.writer:
        data["writer"] = session.writer
    data["egress"] = list(session.egress)
    data["context"] = {"text": session.context.text, "sources": list(session.context.sources)}
    data["turns"] = [_turn_dict(turn) for turn in session.turns]
    data["keepers"] = [_drop_empty(vars(keeper).copy()) for keeper in session.keepers]
    if session.votes:
        data["votes"] = [_vote_dict(vote) for vote in session.votes]
    return data


def _vote_dict(vote: Vote) -> dict[str, Any]:
    return {
        "turn": vote.turn,
        "choice": vote.choice,
        "order": list(vote.order),
        "blind": vote.blind,
        "created": vote.created,
    }


def _turn_dict(turn: Turn) -> dict[str, Any]:
    return {
        "task": turn.task,
        "instruction": turn.instruction,
        "output": turn.output,
        "to": turn.to,
        **({"think": turn.think} if turn.think else {}),
        **({"seed": turn.seed} if turn.seed is not None else {}),
        **({"count": turn.count} if turn.count else {}),
        **({"shape": _shape_dict(turn.shape)} if turn.shape else {}),
        **({"shared": turn.shared} if turn.shared else {}),
        **({"anchor": True} if turn.anchor else {}),
        **({"part": turn.part, "parts": turn.parts, "section": turn.section} if turn.parts else {}),
        "created": turn.created,
        "system": turn.system,
        "user": turn.user,
        "replies": [reply_dict(reply) for reply in turn.replies],
    }


#: Written only when they say something, so a reply without thinking reads as before.
_QUIET_WHEN_EMPTY = ("thinking", "thinking_estimated", "hidden_thinking")


def reply_dict(reply: Reply) -> dict[str, Any]:
    """One reply as it is written in the session file."""
    data = vars(reply).copy()
    data["items"] = [_item_dict(item) for item in reply.items]
    for key in _QUIET_WHEN_EMPTY:
        if not data[key]:
            del data[key]
    return _drop_empty(data)


def _shape_dict(shape: ListShape) -> dict[str, Any]:
    return {"min_chars": shape.min_chars, "max_chars": shape.max_chars, "question": shape.question}


def _item_dict(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"text": item.text, "count": item.count}
    if item.language:
        data["language"] = item.language
    if item.quote:
        data["quote"] = item.quote
    if item.anchor is not None:
        data["anchor"] = list(item.anchor)
        data["paragraph"] = item.paragraph
    if item.section:
        data["section"] = item.section
    return data


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _contains_crlf(value: Any) -> bool:
    if isinstance(value, str):
        return "\r\n" in value
    if isinstance(value, dict):
        return any(_contains_crlf(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_crlf(item) for item in value)
    return False


def from_toml(text: str) -> Session:
    try:
        data = toml_data(text)
    except Malformed as error:
        raise SessionFormatError(str(error)) from None
    return from_dict(data)


def from_dict(data: dict[str, Any]) -> Session:
    """The session in `data`, every field checked (see typed.py); SessionFormatError names
    the first field that is missing or of the wrong type."""
    version = data.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SessionFormatError("no format version")
    if version > FORMAT_VERSION:
        raise NewerFormat(
            f"written by a newer sparring (format {version}; this one reads up to {FORMAT_VERSION})"
        )
    try:
        for required in ("id", "created"):
            if required not in data:
                raise Malformed(required, "is missing")
        session = build(Session, _with_shape_counts(data))
        _check_references(session)
    except Malformed as error:
        raise SessionFormatError(str(error)) from None
    return session


def _with_shape_counts(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with each turn's list shape given the turn's count, as it is held (the file
    writes the count once, on the turn)."""
    turns = data.get("turns")
    if not isinstance(turns, list):
        return data
    shaped = []
    for turn in turns:
        if isinstance(turn, dict) and isinstance(turn.get("shape"), dict):
            turn = {**turn, "shape": {**turn["shape"], "count": turn.get("count", 0)}}
        shaped.append(turn)
    return {**data, "turns": shaped}


def _check_references(session: Session) -> None:
    """What the types cannot say: a vote names a turn that exists, two models and a choice."""
    for index, vote in enumerate(session.votes):
        where = f"votes[{index}]"
        if not 0 <= vote.turn < len(session.turns):
            raise Malformed(f"{where}.turn", f"names no turn ({vote.turn})")
        if len(vote.order) != 2:
            raise Malformed(f"{where}.order", f"must name two models, not {len(vote.order)}")
        if vote.choice not in ("", *VOTE_CHOICES):
            raise Malformed(f"{where}.choice", f'must be one of {", ".join(VOTE_CHOICES)} or ""')
    if session.writer < 0:
        raise Malformed("writer", f"must be a process ID, not {session.writer}")


def load(path: Path) -> Session:
    return recover(from_toml(path.read_text(encoding="utf-8")))


def recover(session: Session) -> Session:
    """Mark as interrupted the answers whose writer died mid-stream (a crash, a kill -9).

    Their text is what reached the disk at the last checkpoint.
    """
    if session.writer and _alive(session.writer):
        return session
    for turn in session.turns:
        for reply in turn.replies:
            if reply.status == "streaming":
                reply.status = "interrupted"
                reply.error = reply.error or "sparring stopped before this answer finished"
                reply.exit_code = reply.exit_code or StreamInterrupted.exit_code
    session.writer = 0
    return session


def _alive(pid: int) -> bool:
    import os

    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True
