"""Which language a text is in, cheaply: a count of each language's commonest words.

Measured on the six drafts of ../shared/small-models.md, a stop-word count
recognised every draft's language in microseconds; that is all it is for: to
warn before a model that does not read the language is asked, and to mark
items that came back in another one. It does not claim more: a text with too
few common words is "unknown".
"""

from __future__ import annotations

import re
from collections import Counter


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Language code -> its commonest short words (function words), lower case.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and of to a in is that it for on with as was are be this by not or but have "
        "from they you at his her which will would an their what there been has can "
        "should we our"
    ),
    "sv": _words(
        "och att det som en är på för med inte av till den har de om ett var men så "
        "vi kan jag sig från eller när hur ska skulle också efter mycket bara där"
    ),
    "da": _words(
        "og at det som en er på for med ikke af til den har de om et var men så vi kan "
        "jeg sig fra eller når hvordan skal skulle også efter meget kun hvor"
    ),
    "no": _words(
        "og at det som en er på for med ikke av til den har de om et var men så vi kan "
        "jeg seg fra eller når hvordan skal skulle også etter mye bare hvor"
    ),
    "de": _words(
        "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als "
        "auch es an werden aus er hat dass sie nach wird bei einer um noch wie"
    ),
    "fr": _words(
        "le la les de des et en un une du est que qui dans pour pas sur au il elle ne se "
        "par plus avec ce sont nous vous aux cette mais ou"
    ),
    "es": _words(
        "el la los las de del y en un una que es por con para no se su al lo como más "
        "pero sus le ya o este entre cuando muy sin sobre"
    ),
    "nl": _words(
        "de het een en van in is dat op te zijn met voor niet aan er om ook als bij of "
        "door maar naar dan wordt nog hij zij"
    ),
    "fi": _words(
        "ja on ei että se oli hän mutta kun myös ovat tai niin jos kuin mitä joka ole "
        "sen vain nyt tämä"
    ),
}
#: How each language is named in a sentence.
NAMES = {
    "en": "English",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "nl": "Dutch",
    "fi": "Finnish",
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Common words a language needs of the text's words, and its lead over the next.
_SHARE = 0.12
_LEAD = 1.25


def detect(text: str, *, least_words: int = 8) -> str | None:
    """The language code of `text`, or None when it cannot be told (too short, mixed)."""
    words = [word.casefold() for word in _WORD.findall(text[:20_000])]
    if len(words) < least_words:
        return None
    counts: Counter[str] = Counter()
    for word in words:
        for language, common in STOP_WORDS.items():
            if word in common:
                counts[language] += 1
    if not counts:
        return None
    ranked = counts.most_common()
    best, hits = ranked[0]
    if hits < _SHARE * len(words):
        return None
    if len(ranked) > 1 and hits < _LEAD * ranked[1][1]:
        return _closest_nordic(words, best, ranked[1][0])
    return best


def _closest_nordic(words: list[str], first: str, second: str) -> str | None:
    """Swedish, Danish and Norwegian share many common words: their own letters decide."""
    nordic = {"sv", "da", "no"}
    if {first, second} <= nordic:
        text = " ".join(words)
        if "ä" in text or "ö" in text:
            return "sv"
        if "æ" in text or "ø" in text:
            return "no" if "ikke" in words and "av" in words else "da"
    return None


def name(code: str) -> str:
    return NAMES.get(code, code)
