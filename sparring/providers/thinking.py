"""A model's thinking, apart from its answer.

Reasoning models think before they answer, and the services hand the thinking
over in different ways: a field of its own (Ollama's `message.thinking`,
`reasoning_content` from llama.cpp's server, LM Studio and DeepSeek,
`reasoning` from vLLM, Ollama's /v1, Groq and OpenRouter, Anthropic's thinking
blocks), or inline in the answer text as `<think>…</think>` (llama-server
with `--reasoning-format none`, Groq's `raw` format, GGUF models such as
Qwen3 run in-process). Backends yield `Thinking` for the first kind and pass
the second through `InlineThinking`; either way the answer text never holds
the thinking, so it is never parsed into items, folded or exported as the
answer.

Small reasoning models also loop: the same passage again and again until the
budget runs out. `LoopWatch` notices.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN = "<think>"
CLOSE = "</think>"


@dataclass(frozen=True)
class Thinking:
    """A piece of the model's thinking, as it streams."""

    text: str


class InlineThinking:
    """Splits `<think>…</think>` out of a stream of answer text.

    Only a thinking block at the start of the answer counts (after blank
    space), as reasoning models write it; a tag may arrive split across
    chunks; a block that is never closed is thinking to the end.
    """

    def __init__(self) -> None:
        self.state = "start"  # start -> thinking -> answer, or start -> answer
        self.pending = ""  # text held back: it may be the start of a tag

    def feed(self, text: str) -> list[str | Thinking]:
        out: list[str | Thinking] = []
        self.pending += text
        while self.pending:
            if self.state == "start":
                stripped = self.pending.lstrip()
                if not stripped:
                    return out  # only blank space so far: wait
                if stripped.startswith(OPEN):
                    self.pending = stripped[len(OPEN) :]
                    self.state = "thinking"
                    continue
                if OPEN.startswith(stripped):
                    return out  # maybe the tag, cut short: wait
                self.state = "answer"
                continue
            if self.state == "thinking":
                end = self.pending.find(CLOSE)
                if end >= 0:
                    if end:
                        out.append(Thinking(self.pending[:end]))
                    self.pending = self.pending[end + len(CLOSE) :].lstrip("\n")
                    self.state = "answer"
                    continue
                keep = _partial_tag(self.pending, CLOSE)
                if len(self.pending) > keep:
                    out.append(Thinking(self.pending[: len(self.pending) - keep]))
                    self.pending = self.pending[len(self.pending) - keep :]
                return out
            out.append(self.pending)
            self.pending = ""
        return out

    def close(self) -> list[str | Thinking]:
        """What is still held back when the stream ends."""
        rest, self.pending = self.pending, ""
        if not rest:
            return []
        if self.state == "thinking":
            return [Thinking(rest)]
        if self.state == "start" and OPEN.startswith(rest.lstrip()):
            return []  # a cut-off opening tag and nothing else
        return [rest]


def _partial_tag(text: str, tag: str) -> int:
    """How many characters at the end of `text` could begin `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class LoopWatch:
    """Notices thinking that keeps repeating the same passage.

    Every `every` new characters, the last `span` characters are looked for
    in the recent thinking; `times` copies of the same passage is a loop.
    Verbatim repeats are what small models produce when they loop.
    """

    def __init__(
        self, span: int = 160, times: int = 4, every: int = 200, window: int = 8000
    ) -> None:
        self.span = span
        self.times = times
        self.every = every
        self.window = window
        self.recent = ""
        self.since_check = 0

    def feed(self, text: str) -> bool:
        """True when the thinking, with `text` added, has gone in circles."""
        self.recent = (self.recent + text)[-self.window :]
        self.since_check += len(text)
        if self.since_check < self.every or len(self.recent) < self.span * self.times:
            return False
        self.since_check = 0
        passage = self.recent[-self.span :]
        if not passage.strip():
            return False
        return self.recent.count(passage) >= self.times
