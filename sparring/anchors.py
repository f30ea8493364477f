"""Findings pinned to the draft: each counter-argument or question with the passage it is about.

A critique is only as useful as the writer's ability to find what it is
about. Tasks that ask for it (`anchor = true` in a prompt file: the shipped
counter and questions do) ask the model to end each item with a short
verbatim quote of the draft in double quotes. sparring takes the quote off the
item, looks for it in the draft (fuzzy, with rapidfuzz, so a change of case,
punctuation or a word still finds it) and keeps where it is: the characters
and the paragraph. A quote that is not in the draft (a model inventing one)
leaves the item "unanchored": shown as such, never pinned to the wrong place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sparring.items import Item, normalize

#: How alike the quote and the passage must be (rapidfuzz's partial ratio, 0-100).
MATCH = 85.0
#: Quotes shorter than this (in characters, normalized) say too little to pin anything.
SHORTEST = 8
# A double-quoted passage that opens the item, then a dash or a colon: the form asked for.
_LEADING = re.compile(r"""^["“«„](?P<quote>[^"“”«»„]{2,300})["”»“]\s*[-–—:]+\s*(?P<text>\S.*)$""")
# The last double-quoted passage of an item, after a dash, a colon or in parentheses.
_QUOTE = re.compile(
    r"""\s*(?:[-–—:]\s*|\(\s*)?(?:["“«„](?P<quote>[^"“”«»„]{2,300})["”»“])\s*\)?\s*[.;]?\s*$"""
)


@dataclass(frozen=True)
class Anchor:
    """Where a quote is in the draft: characters [start, end), and its paragraph (1-based)."""

    start: int
    end: int
    paragraph: int


def split_quote(text: str) -> tuple[str, str]:
    """(the item, its quote): the quoted passage taken off the item's text, where it opens
    the item (as asked) or ends it (as models also write it)."""
    leading = _LEADING.match(text.strip())
    if leading is not None:
        return leading.group("text").strip(), leading.group("quote").strip()
    found = _QUOTE.search(text)
    if found is None or found.start() == 0:
        return text, ""
    return text[: found.start()].rstrip(" -–—:,"), found.group("quote").strip()


def find(quote: str, draft: str) -> Anchor | None:
    """Where `quote` is in `draft`, tolerant of small changes; None when it is not there."""
    if len(normalize(quote)) < SHORTEST:
        return None
    from rapidfuzz import fuzz

    lowered = draft.casefold()
    exact = lowered.find(quote.casefold())
    if exact >= 0:
        return Anchor(exact, exact + len(quote), paragraph_of(draft, exact))
    found = fuzz.partial_ratio_alignment(
        quote.casefold(), lowered, processor=None, score_cutoff=MATCH
    )
    if found is None:
        return None
    return Anchor(found.dest_start, found.dest_end, paragraph_of(draft, found.dest_start))


def paragraph_of(draft: str, position: int) -> int:
    """The number of the paragraph (blank-line separated, 1-based) that holds `position`."""
    return len(re.findall(r"\n\s*\n", draft[:position])) + 1


def pin(items: list[Item], draft: str, span: tuple[int, int] | None = None) -> None:
    """Take each item's quote off its text and find it in the draft, or in `span` of it
    (the part of a long draft the model was sent: a quote from elsewhere is not its own)."""
    start, end = span if span is not None else (0, len(draft))
    region = draft[start:end]
    for item in items:
        text, quote = split_quote(item.text)
        if not quote:
            continue
        item.text = text
        item.quote = quote
        anchor = find(quote, region)
        if anchor is not None:
            item.anchor = (start + anchor.start, start + anchor.end)
            item.paragraph = paragraph_of(draft, start + anchor.start)


def same_passage(left: Item, right: Item) -> bool:
    """Two items pinned to overlapping passages of the draft."""
    if left.anchor is None or right.anchor is None:
        return False
    return left.anchor[0] < right.anchor[1] and right.anchor[0] < left.anchor[1]


def shared_passages(answers: list[tuple[str, list[Item]]]) -> list[dict[int, list[str]]]:
    """For each answer (its model, its items): the index of each item pinned to a passage
    an item of another model is pinned to too, with those models."""
    shared: list[dict[int, list[str]]] = [{} for _ in answers]
    for a, (_, left) in enumerate(answers):
        for b, (right_model, right) in enumerate(answers):
            if a == b:
                continue
            for i, item in enumerate(left):
                if any(same_passage(item, other) for other in right):
                    models = shared[a].setdefault(i, [])
                    if right_model not in models:
                        models.append(right_model)
    return shared


def pin_text(item: Item) -> str:
    """`¶3 "the passage"`: where in the draft an item points; `unanchored "..."` when the
    quote is not in the draft."""
    where = f"¶{item.paragraph}" if item.anchor is not None else "unanchored"
    return f'{where} "{item.quote}"'


def item_lines(items: list[Item], mark: str = "") -> list[str]:
    """`1. the point`, and under an item that quoted the draft, its pin (see `pin_text`),
    set off by `mark` on both sides (`*` in Markdown)."""
    lines = []
    for number, item in enumerate(items, 1):
        lines.append(f"{number}. {item.text}")
        if item.quote:
            lines.append(f"   {mark}{pin_text(item)}{mark}")
    return lines


def anchored_share(items: list[Item]) -> tuple[int, int]:
    """(items pinned to the draft, items that quoted anything or were asked to)."""
    return sum(item.anchor is not None for item in items), len(items)
