"""Exactly N distinct items from any model that takes a shape: ask in batches, fold, repeat.

Measured on the embedded SmolLM2 (../shared/small-models.md): a grammar of
exactly N numbered lines gives N items, most of them distinct; three calls of
a third of N each, with their own seeds, folded, gave 100% distinct items and
the best on-topic and usable rates; more calls fill what duplicates took.
Every call sends the same prompt (only the shape and the seed differ), so a
backend that caches the evaluated prompt (llama.cpp in-process, Ollama with
the model loaded) pays for it once. The items appear as they come, numbered
on from one call to the next; the figures add up every call.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from sparring import items as items_module
from sparring.providers.base import Backend, ChatRequest, Usage
from sparring.providers.listing import ListShape, Renumber
from sparring.providers.thinking import Thinking

#: Calls in the first round, each asking for a third of the items.
FIRST_ROUND = 3
#: Calls at most, the first round included: what duplicates took is asked again, within this.
MAX_CALLS = 6


async def fill(
    backend: Backend,
    request: ChatRequest,
    shape: ListShape,
    notice: Callable[[str], None] | None = None,
) -> AsyncIterator[str | Thinking | Usage]:
    """The list answer to `request`, `shape.count` distinct items if the model can give them.

    Yields text and thinking as `Backend.stream` does, then one `Usage` for all
    the calls. A failed call raises as `Backend.stream` does (the items so far
    have streamed already); a call cut short or refused ends the filling.
    """
    target = shape.count
    batch = max(1, math.ceil(target / FIRST_ROUND)) if target >= FIRST_ROUND else target
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(2**31)
    renumber = Renumber()
    lines = _Lines(quoted=shape.quote)
    usages: list[Usage] = []
    started = time.perf_counter()
    calls = 0
    while calls < MAX_CALLS:
        need = target - lines.distinct
        if need <= 0:
            break
        size = min(batch, need) if calls < FIRST_ROUND else need
        asked = replace(request, shape=replace(shape, count=size), seed=seed + calls)
        calls += 1
        async for event in backend.stream(asked, notice=notice):
            if isinstance(event, Usage):
                usages.append(event)
            elif isinstance(event, Thinking):
                yield event
            else:
                text = renumber.feed(event)
                lines.feed(text)
                if text:
                    yield text
        if usages[-1].stop != "end":
            break
    rest = renumber.close()
    if rest:
        yield rest
    yield combined(usages, time.perf_counter() - started, calls, seed)


class _Lines:
    """The item lines seen so far, and how many distinct ideas they hold."""

    def __init__(self, quoted: bool = False) -> None:
        self.quoted = quoted  # items that open with a quote are read as the answer will be
        self.open = ""
        self.texts: list[str] = []
        self.distinct = 0

    def feed(self, text: str) -> None:
        self.open += text
        *whole, self.open = self.open.split("\n")
        new = [
            item for line in whole for item in items_module.parse_items(line, quoted=self.quoted)
        ]
        if new:
            self.texts.extend(new)
            self.distinct = len(items_module.fold(self.texts))


def combined(usages: list[Usage], total: float, calls: int, seed: int) -> Usage:
    """One Usage for several calls: counts summed, the first call's times to first token,
    the whole wall time, the last call's reason to stop."""
    first, last = usages[0], usages[-1]

    def summed(name: str) -> int | None:
        values = [getattr(usage, name) for usage in usages]
        known = [value for value in values if value is not None]
        return sum(known) if known else None

    usage = replace(
        last,
        input_tokens=summed("input_tokens"),
        output_tokens=summed("output_tokens"),
        thinking_tokens=summed("thinking_tokens"),
        cached_input_tokens=summed("cached_input_tokens"),
        cache_write_tokens=summed("cache_write_tokens"),
        time_to_first_token=first.time_to_first_token,
        time_to_first_answer=first.time_to_first_answer,
        load_seconds=first.load_seconds,
        total_time=total,
        tokens_estimated=any(u.tokens_estimated for u in usages),
        thinking_estimated=any(u.thinking_estimated for u in usages),
        hidden_thinking=any(u.hidden_thinking for u in usages),
        answer_characters=sum(u.answer_characters for u in usages),
    )
    thought = [u.thinking_seconds for u in usages if u.thinking_seconds is not None]
    usage.thinking_seconds = sum(thought) if thought else None
    usage.calls = calls
    usage.seed = seed
    return usage
