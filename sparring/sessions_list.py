"""`sparring sessions [QUERY]`: saved sessions, newest first, fuzzy-filtered."""

from __future__ import annotations

import sys

from sparring import store
from sparring.session import Session


def searchable(session: Session) -> str:
    replies = " ".join(reply.text for turn in session.turns for reply in turn.replies)
    return f"{session.title} {session.context.text} {replies}".casefold()


def matches(session: Session, query: str, threshold: float = 80.0) -> bool:
    from rapidfuzz import fuzz

    text = searchable(session)
    words = query.casefold().split()
    return all(
        word in text or fuzz.partial_ratio(word, text, score_cutoff=threshold) for word in words
    )


def list_sessions(query: str, limit: int) -> int:
    shown = 0
    for entry in store.iter_sessions():
        if isinstance(entry, store.Unreadable):
            print(f"sparring: skipped {entry.path.name}: {entry.reason}", file=sys.stderr)
            continue
        if query and not matches(entry, query):
            continue
        if shown >= limit:
            break
        shown += 1
        first_words = " ".join(entry.context.text.split()[:8])
        models = ", ".join(entry.models)
        print(
            f"{entry.id}  {entry.created[:16].replace('T', ' ')}  {entry.task:10}  "
            f"{models:30}  {first_words}"
        )
    if not shown:
        print("no sessions" + (f" match '{query}'" if query else " yet"), file=sys.stderr)
    return 0
