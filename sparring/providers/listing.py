"""A list answer held to exactly N one-line items, in the form each backend takes.

Measured on the embedded SmolLM2 (../shared/small-models.md): a grammar that
allows exactly N numbered one-line items gives every answer its N items and
raises on-topic items from 27% to 37%; asking in small batches with other
seeds and folding duplicates makes them all distinct. The constraint goes to
each backend in its own form (sources in the tests):

- llama.cpp in-process: a GBNF grammar of numbered lines (`grammar_text`);
- Ollama (`format`), OpenAI-compatible servers and OpenAI (`response_format`
  json_schema), Anthropic (`output_config.format`): a JSON object with N
  required string keys `item_1`..`item_N` (`json_schema`), which every one of
  them takes; Anthropic accepts `minItems` of 0 or 1 only, so an array of N
  is not portable, and N required keys did better than an array anyway.

`JsonItems` reads such an object as it streams and gives back numbered lines,
so every backend's list answer looks the same: "1. ...\\n2. ...\\n".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ListShape:
    """Exactly `count` one-line items, each `min_chars`..`max_chars` long."""

    count: int
    min_chars: int = 8
    max_chars: int = 220
    #: Each item ends with a question mark (the questions task).
    question: bool = False
    #: Each item opens with a short quote of the draft in double quotes, then " - "
    #: (anchors.py): a small model copies a passage well, and then writes about it.
    quote: bool = False


#: How long a quote of the draft may be, in characters.
QUOTE_CHARS = (8, 160)


def grammar_text(shape: ListShape) -> str:
    """A GBNF grammar: `1. item\\n` ... `N. item\\n`, and nothing else.

    An item may not start with a marker or a quote (the model would nest a
    list or quote the draft), and each line ends with a newline so the model
    can stop it (measured: without it, lines ran to the length cap).
    """
    lines = " ".join(f'"{n}. " item "\\n"' for n in range(1, shape.count + 1))
    low = max(shape.min_chars - 1, 0)
    high = max(shape.max_chars - 1, low)
    # After a quote, the item's own text holds no double quote: the quote is then the
    # one passage in quotes, where anchors.py looks for it.
    text = '[^\\n"]' if shape.quote else "[^\\n]"
    if shape.question:
        text = text.replace("]", "?]")
        item = f'[^\\n\\t #*"\\-] {text}{{{low},{high}}} "?"'
    else:
        item = f'[^\\n\\t #*"\\-] {text}{{{low},{high}}}'
    if shape.quote:
        shortest, longest = QUOTE_CHARS
        item = f'"\\"" [^\\n"]{{{shortest},{longest}}} "\\" - " {item}'
    return f"root ::= {lines}\nitem ::= {item}\n"


def keys(count: int, quote: bool = False) -> list[str]:
    """item_1..item_N; with quotes, quote_1, item_1, quote_2, ...: the quote comes first."""
    if quote:
        return [key for n in range(1, count + 1) for key in (f"quote_{n}", f"item_{n}")]
    return [f"item_{n}" for n in range(1, count + 1)]


def json_schema(shape: ListShape) -> dict[str, Any]:
    """An object of `count` required string keys, item_1..item_N, and no others; a shape
    with quotes has a quote_N before each item_N, in that order (llama.cpp's grammar from a
    schema, and so Ollama's `format`, writes required properties in their order)."""
    item: dict[str, Any] = {"type": "string"}
    names = keys(shape.count, shape.quote)
    return {
        "type": "object",
        "properties": {key: dict(item) for key in names},
        "required": names,
        "additionalProperties": False,
    }


class JsonItems:
    """Turns a streamed `{"item_1": "...", ...}` into numbered lines as the values complete.

    Only string values are read; the text of each value is given back as
    `N. value\\n` once its closing quote arrives, so a cut stream keeps every
    whole item. Newlines inside a value become spaces: one item, one line.
    With `quote`, values come in pairs (quote_N, item_N) and make `N. "quote" - item`.
    A server that ignored the schema and wrote text is passed through as written.
    """

    def __init__(self, quote: bool = False) -> None:
        self.quote = quote
        self.held: str | None = None  # a quote, until its item comes
        self.buffer = ""
        self.number = 0
        self.position = 0  # where reading goes on in buffer
        self.plain: bool | None = None  # not JSON at all: the text goes through

    def feed(self, text: str) -> list[str]:
        if self.plain is None:
            started = (self.buffer + text).lstrip()
            if not started:
                self.buffer += text
                return []
            self.plain = not started.startswith("{")
            if self.plain:
                text, self.buffer = self.buffer + text, ""
        if self.plain:
            return [text] if text else []
        self.buffer += text
        out: list[str] = []
        while True:
            value, end = _next_value(self.buffer, self.position)
            if value is None:
                return out
            self.position = end
            line = " ".join(value.split())
            if self.quote and self.held is None:
                self.held = line.replace('"', "'")
                continue
            self.number += 1
            if self.held is not None:
                line = f'"{self.held}" - {line}'
                self.held = None
            out.append(f"{self.number}. {line}\n")

    def close(self) -> list[str]:
        return []


def _next_value(buffer: str, start: int) -> tuple[str | None, int]:
    """The next complete string value after `start` (after a ':'), and where it ended."""
    colon = buffer.find(":", start)
    if colon < 0:
        return None, start
    opening = buffer.find('"', colon)
    if opening < 0:
        return None, start
    index = opening + 1
    while index < len(buffer):
        character = buffer[index]
        if character == "\\":
            index += 2
            continue
        if character == '"':
            try:
                value = json.loads(buffer[opening : index + 1], strict=False)
            except ValueError:
                return None, start
            return (value if isinstance(value, str) else str(value)), index + 1
        index += 1
    return None, start


class Renumber:
    """Numbers the lines of successive list answers on from where the last one stopped."""

    def __init__(self, start: int = 0) -> None:
        self.number = start
        self.held = ""  # the start of a line, until its number is known
        self.at_line_start = True

    def feed(self, text: str) -> str:
        out: list[str] = []
        for character in text:
            if self.at_line_start:
                self.held += character
                marker = _marker(self.held)
                if marker is None:
                    continue
                if marker:
                    self.number += 1
                    out.append(f"{self.number}. {self.held[len(marker) :]}")
                else:
                    out.append(self.held)
                self.held = ""
                self.at_line_start = False
                if out[-1].endswith("\n"):
                    self.at_line_start = True
                continue
            out.append(character)
            if character == "\n":
                self.at_line_start = True
        return "".join(out)

    def close(self) -> str:
        rest, self.held = self.held, ""
        return rest


def _marker(held: str) -> str | None:
    """The number marker ("12. ") at the start of `held`; "" if there is none; None: wait."""
    digits = len(held) - len(held.lstrip("0123456789"))
    if digits == len(held):
        return None if digits < 4 else ""
    if digits and held[digits] == ".":
        if len(held) == digits + 1:
            return None
        return held[: digits + 2] if held[digits + 1] == " " else ""
    return ""
