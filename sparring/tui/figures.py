"""The figures under each answer column: time to first token, speed, tokens, cost.

While a reply streams the figures are measured here from the deltas that
arrive; once it is done they come from the reply itself, as the backend
reported them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.config import Config
from sparring.pricing import estimate_cost
from sparring.session import Reply

WHERE = {"local": "local · on this machine", "cloud": "cloud"}


def where_label(location: str) -> str:
    return WHERE.get(location, location)


def money(cost: float | None, location: str) -> str:
    if cost is None:
        return "cost unknown"
    if location == "local" and cost == 0:
        return "free"
    return f"${cost:.4f}"


def reply_figures(reply: Reply) -> str:
    """The figures of a finished reply; empty when it produced nothing to measure."""
    parts: list[str] = []
    if reply.ttft is not None:
        parts.append(f"ttft {reply.ttft:.2f}s")
    speed = reply.tokens_per_second
    if speed is not None:
        parts.append(f"{speed:.0f} tok/s")
    if reply.output_tokens is not None:
        approximate = "~" if reply.tokens_estimated else ""
        parts.append(f"{approximate}{reply.output_tokens} tok")
    if parts or reply.cost is not None:
        parts.append(money(reply.cost, reply.location))
    return " · ".join(parts)


@dataclass
class LiveFigures:
    """Figures of a reply still streaming, from the deltas seen so far."""

    model: str  # the model within its provider, as priced
    location: str
    input_tokens: int
    started: float
    first_delta_at: float | None = None
    characters: int = 0

    def add(self, delta: str, now: float) -> None:
        if self.first_delta_at is None:
            self.first_delta_at = now
        self.characters += len(delta)

    def render(self, now: float, config: Config) -> str:
        if self.first_delta_at is None:
            return f"waiting {now - self.started:.1f}s"
        # The same four-characters-a-token guess the backends use when they report none.
        output_tokens = max(1, round(self.characters / 4))
        parts = [f"ttft {self.first_delta_at - self.started:.2f}s"]
        generating = now - self.first_delta_at
        if generating > 0:
            parts.append(f"{max(output_tokens - 1, 1) / generating:.0f} tok/s")
        parts.append(f"~{output_tokens} tok")
        cost = estimate_cost(self.model, self.location, self.input_tokens, output_tokens, config)
        parts.append(money(cost, self.location))
        return " · ".join(parts)
