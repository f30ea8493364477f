"""`sparring sessions [QUERY]`: saved sessions, newest first, fuzzy-filtered."""

from __future__ import annotations

import sys

from sparring.cli.output import say
from sparring.cli.parsing import command_parser
from sparring.sessions import catalog
from sparring.visible import visible


def list_sessions(query: str, limit: int, threshold: float = catalog.FUZZY_THRESHOLD) -> int:
    found = catalog.entries()
    for entry in found:
        if not entry.readable:
            print(visible(f"sparring: skipped {entry.file}: {entry.error}"), file=sys.stderr)
    shown = catalog.search(found, query, threshold)
    for entry in shown[:limit]:
        when = entry.created[:16].replace("T", " ")
        models = " vs ".join(entry.models)
        flag = "" if entry.status == "ok" else f" [{entry.status}]"
        words = entry.first_words[:60]
        say(f"{entry.id}  {when}  {entry.task:10.10}  {models:32.32}  {words}{flag}")
    if not shown and query:
        message = (
            f"sparring: no sessions match '{query}' (every word must match; fewer words, or "
            "`sparring sessions` alone, list more)"
        )
        print(visible(message), file=sys.stderr)
    elif not shown:
        print("sparring: no sessions yet (every run of a task saves one)", file=sys.stderr)
    elif len(shown) > limit:
        print(f"({len(shown) - limit} more; --limit N shows more)", file=sys.stderr)
    return 0


def run(argv: list[str]) -> int:
    parser = command_parser(
        "sparring sessions", "List saved sessions, newest first, fuzzy-filtered by QUERY."
    )
    parser.add_argument("query", nargs="*", help="words to look for in titles, drafts, answers")
    parser.add_argument("--limit", type=int, default=50, help="show at most N (default 50)")
    parser.add_argument(
        "--threshold",
        type=float,
        default=catalog.FUZZY_THRESHOLD,
        help="how close a fuzzy match must be, 0-100",
    )
    options = parser.parse_args(argv)
    return list_sessions(" ".join(options.query), options.limit, options.threshold)
