"""The list of saved sessions, fast even with ten thousand of them.

Parsing every TOML file on each listing would take seconds, so a summary of
each file (and the text a search looks through) is cached in
`sessions/.index.json`, keyed by the file's name, size and mtime. Only new or
changed files are parsed; a corrupt one is reported by name and skipped.

The summary also holds the facts `sparring stats` counts: each reply's task,
model, place, speed, tokens, cost and status, the votes and the keepers.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sparring import paths
from sparring.errors import SessionFormatError
from sparring.sessions.model import Session
from sparring.sessions.toml_format import load
from sparring.typed import Malformed, build

INDEX_NAME = ".index.json"
INDEX_VERSION = 3
# Enough of each session to find it by what it says; the rest stays on disk.
SEARCH_CHARS = 12_000
FUZZY_THRESHOLD = 75.0


@dataclass
class ReplyFacts:
    """What `sparring stats` needs of one reply."""

    turn: int
    task: str
    model: str
    backend: str
    location: str
    status: str
    ttft: float | None = None
    tokens_per_second: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None


@dataclass
class VoteFacts:
    turn: int
    choice: str
    order: list[str]
    blind: bool


@dataclass
class KeeperFacts:
    turn: int
    model: str


@dataclass
class Entry:
    id: str
    file: str
    created: str
    title: str
    task: str
    models: list[str]
    first_words: str
    status: str
    search_text: str
    error: str = ""
    turn_tasks: list[str] = field(default_factory=list)
    replies: list[ReplyFacts] = field(default_factory=list)
    votes: list[VoteFacts] = field(default_factory=list)
    keepers: list[KeeperFacts] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not self.error

    @classmethod
    def from_record(cls, record: object) -> Entry:
        """An entry as read back from the JSON index; raises Malformed if it is not one."""
        return build(cls, record)


def summarize(session: Session, file: str) -> Entry:
    statuses = {reply.status for turn in session.turns for reply in turn.replies}
    status = next(
        (s for s in ("streaming", "interrupted", "error", "cancelled") if s in statuses), "ok"
    )
    replies = " ".join(reply.text for turn in session.turns for reply in turn.replies)
    # What a search looks through: the names a listing shows first, then the texts.
    labels = " ".join([session.task, *session.models, session.created[:10]])
    search_text = f"{session.title}\n{labels}\n{session.context.text}\n{replies}".casefold()
    return Entry(
        id=session.id,
        file=file,
        created=session.created,
        title=session.title,
        task=session.task,
        models=session.models,
        first_words=" ".join(session.context.text.split()[:10]),
        status=status,
        search_text=search_text[:SEARCH_CHARS],
        turn_tasks=[turn.task for turn in session.turns],
        replies=[
            ReplyFacts(
                turn=index,
                task=turn.task,
                model=reply.model,
                backend=reply.backend,
                location=reply.location,
                status=reply.status,
                ttft=reply.ttft,
                tokens_per_second=reply.tokens_per_second,
                input_tokens=reply.input_tokens,
                output_tokens=reply.output_tokens,
                cost=reply.cost,
            )
            for index, turn in enumerate(session.turns)
            for reply in turn.replies
        ],
        votes=[
            VoteFacts(turn=vote.turn, choice=vote.choice, order=list(vote.order), blind=vote.blind)
            for vote in session.votes
        ],
        keepers=[KeeperFacts(turn=keeper.turn, model=keeper.model) for keeper in session.keepers],
    )


def entries(folder: Path | None = None) -> list[Entry]:
    """Every session file's entry, newest first; unreadable files have `error` set."""
    folder = folder or paths.sessions_dir()
    if not folder.is_dir():
        return []
    cached = _read_index(folder)
    fresh: dict[str, dict[str, object]] = {}
    found: list[Entry] = []
    changed = False
    with os.scandir(folder) as listing:
        files = [item for item in listing if item.name.endswith(".toml") and _is_file(item)]
    for item in files:
        try:
            status = item.stat()
        except OSError:
            continue  # gone since the listing
        stamp = [status.st_mtime_ns, status.st_size]
        record = cached.get(item.name)
        entry = _cached(record, stamp)
        if entry is None:
            # New, changed, or an index record of the wrong shape: read the file again.
            entry = _parse(Path(item.path))
            record = {"stamp": stamp, "entry": asdict(entry)}
            changed = True
        fresh[item.name] = record  # type: ignore[assignment]
        found.append(entry)
    if changed or len(fresh) != len(cached):
        _write_index(folder, fresh)
    found.sort(key=lambda entry: entry.file, reverse=True)
    return found


def _is_file(item: os.DirEntry[str]) -> bool:
    try:
        return item.is_file()
    except OSError:
        return False


def _cached(record: object, stamp: list[int]) -> Entry | None:
    """The entry the index holds for a file of this stamp, if it holds a whole one."""
    if not isinstance(record, dict) or record.get("stamp") != stamp:
        return None
    try:
        return Entry.from_record(record.get("entry"))
    except Malformed:
        return None


def _parse(path: Path) -> Entry:
    session_id = path.stem.rsplit("-", 1)[-1]
    try:
        session = load(path)
    except (SessionFormatError, OSError, UnicodeDecodeError) as error:
        return Entry(session_id, path.name, "", "", "", [], "", "unreadable", "", error=str(error))
    return summarize(session, path.name)


def _read_index(folder: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _write_index(folder: Path, files: dict[str, dict[str, object]]) -> None:
    from sparring.errors import CannotSave
    from sparring.files import write_private_atomically

    text = json.dumps({"version": INDEX_VERSION, "files": files}, ensure_ascii=False)
    # The index is only a cache: failing to write it costs speed, nothing else.
    with contextlib.suppress(CannotSave):
        write_private_atomically(folder / INDEX_NAME, text)


def search(
    found: list[Entry], query: str, threshold: float = FUZZY_THRESHOLD, limit: int | None = None
) -> list[Entry]:
    """The readable entries whose title, task, models, date, context or replies hold every
    word of `query`, or close to it (a typo or two in a longer word), in the order given.

    The one search: `sparring sessions QUERY` and the TUI's browser both use it.
    """
    from rapidfuzz import fuzz

    words = query.casefold().split()
    if not words:
        return [entry for entry in found if entry.readable][:limit]
    matching: list[Entry] = []
    for entry in found:
        if not entry.readable:
            continue
        text = entry.search_text
        if all(
            word in text
            or (len(word) > 3 and fuzz.partial_ratio(word, text, score_cutoff=threshold))
            for word in words
        ):
            matching.append(entry)
            if limit is not None and len(matching) >= limit:
                break
    return matching
