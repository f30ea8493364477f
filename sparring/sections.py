"""A draft too long for a model's window, in sections that fit: at headings, then paragraphs.

A long feature or a book chapter gets nothing useful when it is cut to the
model's window, or refused: section by section, every part of it is read. The
draft is split at its Markdown headings; a section too long for the window is
split at paragraphs (then sentences); consecutive short sections are run
together up to the size, so a draft of many small sections does not cost a
call each. Every part keeps where it came from: its title (the headings it
covers) and its place, so that items can say which section they are about.
Nothing of the draft is left out: the parts, joined, are the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^#{1,6}\s+(?P<title>\S.*?)\s*#*\s*$")
# A sentence with the spaces after it; the pieces, joined, are the text.
_SENTENCE = re.compile(r"[^.!?…]*[.!?…]+\s*|[^.!?…]+$")
#: Characters a token, counted low on purpose: a part must not come out too long.
CHARACTERS_PER_TOKEN = 3


@dataclass(frozen=True)
class Part:
    """One part of a draft: its text, the section titles it covers, and its number (1-based)."""

    number: int
    total: int
    title: str
    text: str
    #: Where the part begins in the draft: the parts, joined, are the draft.
    start: int = 0

    @property
    def label(self) -> str:
        """`2/5 The costs`: which part, and what it is about."""
        return f"{self.number}/{self.total} {self.title}".rstrip()


def tokens(text: str) -> int:
    return -(-len(text) // CHARACTERS_PER_TOKEN)


def split(draft: str, budget: int) -> list[Part]:
    """`draft` in parts of at most `budget` tokens each (counted high), in order.

    One part when the whole draft fits.
    """
    budget = max(budget, 16)
    blocks = _sections(draft)
    pieces: list[tuple[str, str]] = []  # (title, text), each within the budget
    for title, text in blocks:
        if tokens(text) <= budget:
            pieces.append((title, text))
            continue
        chunks = _fit(_paragraphs(text), budget)
        for index, chunk in enumerate(chunks, start=1):
            pieces.append((f"{title} ({index}/{len(chunks)})" if title else "", chunk))
    merged = _merge(pieces, budget)
    parts = []
    start = 0
    for number, (title, text) in enumerate(merged, start=1):
        parts.append(Part(number, len(merged), title, text, start))
        start += len(text)
    return parts


def _sections(draft: str) -> list[tuple[str, str]]:
    """(title, text) at each Markdown heading; the text before the first has no title."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in draft.splitlines(keepends=True):
        found = _HEADING.match(line.strip()) if line.lstrip().startswith("#") else None
        if found:
            sections.append((found.group("title"), [line]))
        else:
            sections[-1][1].append(line)
    return [(title, "".join(lines)) for title, lines in sections if "".join(lines).strip()]


def _paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`, each with the blank lines after it (so they join back)."""
    return [piece for piece in re.split(r"(?<=\n\n)", text) if piece]


def _fit(pieces: list[str], budget: int) -> list[str]:
    """Pieces joined into chunks of at most `budget` tokens; a piece too long is split finer."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if tokens(piece) > budget:
            if current:
                chunks.append(current)
                current = ""
            sentences = _SENTENCE.findall(piece)
            if len(sentences) > 1:
                chunks.extend(_fit(sentences, budget))
            else:
                chunks.extend(_cut(piece, budget * CHARACTERS_PER_TOKEN))
            continue
        if current and tokens(current + piece) > budget:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    return chunks


def _cut(text: str, size: int) -> list[str]:
    """`text` in pieces of at most `size` characters, cut after a space where there is one."""
    pieces = []
    while len(text) > size:
        space = text.rfind(" ", size // 2, size)
        end = space + 1 if space > 0 else size
        pieces.append(text[:end])
        text = text[end:]
    return [*pieces, text] if text else pieces


def _merge(pieces: list[tuple[str, str]], budget: int) -> list[tuple[str, str]]:
    """Consecutive pieces run together while they fit, titled by the sections they cover."""
    merged: list[tuple[list[str], str]] = []
    for title, text in pieces:
        if merged and tokens(merged[-1][1] + text) <= budget:
            titles, joined = merged[-1]
            merged[-1] = ([*titles, title] if title else titles, joined + text)
        else:
            merged.append(([title] if title else [], text))
    return [(_title(titles), text) for titles, text in merged]


def _title(titles: list[str]) -> str:
    if len(titles) <= 2:
        return "; ".join(titles)
    return f"{titles[0]} … {titles[-1]}"
