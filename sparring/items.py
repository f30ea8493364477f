"""List replies as items: parsing, folding near-duplicates, matching across answers.

A small model often writes one headline seven times with tiny changes; the
writer should see one item "x7", not seven. And when two models propose the
same idea in different words, both columns should say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

FOLD_THRESHOLD = 90.0
MATCH_THRESHOLD = 72.0

# A numbered line however models number it: 1. 1) 1: (1) [1], also after a Markdown
# heading mark (### 1.) or inside bold (**1. ...** or **1.** ...); or a bulleted one.
_NUMBER = r"(?:\(\d{1,3}\)|\[\d{1,3}\]|\d{1,3}\s*[.):\]])"
_MARKER = re.compile(
    rf"^\s*(?:#{{1,6}}\s+)?(?:[*_]{{1,3}})?\s*(?:{_NUMBER}\s*|[-*•+–]\s+)(?P<text>.+?)\s*$"
)
_OPENING = "\"'“‘«"
_CLOSING = "\"'”’»"
# `"A headline" - why it works`: the quoted part is the item.
_QUOTED_LEAD = re.compile(r'^["“«](?P<quoted>[^"”»]+)["”»]\s*(?:[-–—:]\s+\S.*)?$')
_NOT_WORD = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


@dataclass
class Item:
    """One distinct idea in a list reply; `count` is how many lines were folded into it."""

    text: str
    count: int = 1
    variants: list[str] = field(default_factory=list)
    #: The item's language when it is not the draft's (a small model often answers a
    #: Swedish draft in English); "" when it is the draft's, or cannot be told.
    language: str = ""
    #: The passage of the draft the item is about, as the model quoted it ("" if none),
    #: and where it was found: characters [start, end) of the draft, and the paragraph
    #: (1-based). A quote that is not in the draft leaves `anchor` None: "unanchored".
    quote: str = ""
    anchor: tuple[int, int] | None = None
    paragraph: int = 0
    #: The section of a long draft the item came from (see sections.py), "" for a whole draft.
    section: str = ""

    @property
    def unanchored(self) -> bool:
        """The model quoted a passage that is not in the draft."""
        return bool(self.quote) and self.anchor is None


def parse_items(reply: str, *, quoted: bool = False) -> list[str]:
    """The items of a list reply: its numbered or bulleted lines.

    A reply with no markers at all is read one item per line, skipping an
    introduction that ends with a colon. `quoted`: the items carry a quote of
    the draft (anchors.py), kept as written, not taken for the item.
    """
    lines = [line for line in reply.splitlines() if line.strip()]
    marked = [match.group("text") for line in lines if (match := _MARKER.match(line))]
    if not marked:
        marked = [line for line in lines if not line.rstrip().endswith(":")]
    items = [_clean(text, quoted) for text in marked]
    return [item for item in items if item]


#: A number left at the start once the bold around it is gone (`**1. Title**`), or with
#: no space after it (`1.Title`).
_LEFT_NUMBER = re.compile(r"^\d{1,3}\s*[.):\]](?!\d)\s*(?=\S)")


def _clean(text: str, keep_quotes: bool = False) -> str:
    text = text.replace("**", "").replace("__", "").strip()
    text = _LEFT_NUMBER.sub("", text)
    if keep_quotes:
        return text.strip(" `#")
    quoted = _QUOTED_LEAD.match(text)
    if quoted:
        return quoted.group("quoted").strip()
    if len(text) > 1 and text[0] in _OPENING and text[-1] in _CLOSING:
        text = text[1:-1]
    return text.strip(" `#")


def normalize(text: str) -> str:
    """The text as compared: lower case, no punctuation, single spaces."""
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text.casefold())).strip()


class Kinds:
    """Texts as they come, each the first of its kind or a near-duplicate of one."""

    def __init__(self, threshold: float = FOLD_THRESHOLD) -> None:
        self.threshold = threshold
        self.keys: list[str] = []

    def first_of_kind(self, text: str) -> int | None:
        """The index of the earlier text `text` folds into; None (and it is kept) if none."""
        from rapidfuzz import fuzz

        key = normalize(text)
        for index, seen in enumerate(self.keys):
            if key == seen or fuzz.ratio(key, seen, score_cutoff=self.threshold):
                return index
        self.keys.append(key)
        return None


def fold(texts: list[str], threshold: float = FOLD_THRESHOLD) -> list[Item]:
    """Fold near-duplicates into the first of their kind, counting them."""
    items: list[Item] = []
    kinds = Kinds(threshold)
    for text in texts:
        index = kinds.first_of_kind(text)
        if index is None:
            items.append(Item(text=text))
            continue
        items[index].count += 1
        if text != items[index].text and text not in items[index].variants:
            items[index].variants.append(text)
    return items


def items_of(reply: str, threshold: float = FOLD_THRESHOLD, *, quoted: bool = False) -> list[Item]:
    return fold(parse_items(reply, quoted=quoted), threshold)


def match_items(
    left: list[str], right: list[str], threshold: float = MATCH_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs (left index, right index, score) of the same idea in two answers.

    Each item is matched at most once, best scores first.
    """
    from rapidfuzz import fuzz

    left_keys = [normalize(text) for text in left]
    right_keys = [normalize(text) for text in right]
    candidates: list[tuple[float, int, int]] = []
    for i, left_key in enumerate(left_keys):
        for j, right_key in enumerate(right_keys):
            score = fuzz.token_sort_ratio(left_key, right_key, score_cutoff=threshold)
            if score:
                candidates.append((score, i, j))
    candidates.sort(key=lambda candidate: (-candidate[0], candidate[1], candidate[2]))
    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for score, i, j in candidates:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            pairs.append((i, j, score))
    return sorted(pairs)


def shared_ideas(
    answers: list[tuple[str, list[str]]], threshold: float = MATCH_THRESHOLD
) -> list[dict[int, list[str]]]:
    """For each answer (its model, its items): the index of each item other models
    proposed too, with those models."""
    shared: list[dict[int, list[str]]] = [{} for _ in answers]
    for (a, (left_model, left)), (b, (right_model, right)) in combinations(enumerate(answers), 2):
        for i, j, _score in match_items(left, right, threshold):
            shared[a].setdefault(i, []).append(right_model)
            shared[b].setdefault(j, []).append(left_model)
    return shared


@dataclass
class IdeaDiff:
    """The ideas of two answers to one turn: shared, only in the old, only in the new."""

    both: list[tuple[str, str]] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)


def diff_ideas(old: list[str], new: list[str], threshold: float = MATCH_THRESHOLD) -> IdeaDiff:
    """Which ideas of `old` and `new` are the same idea, and which only one of them has."""
    pairs = match_items(old, new, threshold)
    matched_old = {i for i, _j, _score in pairs}
    matched_new = {j for _i, j, _score in pairs}
    return IdeaDiff(
        both=[(old[i], new[j]) for i, j, _score in pairs],
        only_old=[text for index, text in enumerate(old) if index not in matched_old],
        only_new=[text for index, text in enumerate(new) if index not in matched_new],
    )
