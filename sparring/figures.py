"""How a reply's figures and place are worded, for every view: pipe, export, replay, the TUI.

Two lengths of the same figures: the full line under a pipe block or an
exported answer (`ttft 0.21 s · 85.3 tok/s · 212 in / 96 out · $0.0012`),
and the short one under a TUI column (`ttft 0.21s · 85 tok/s · 96 tok ·
$0.0012`), which has a column's width to fit in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.config import Config
from sparring.pricing import estimate_cost
from sparring.providers.base import estimate_characters
from sparring.sessions.model import Reply

if TYPE_CHECKING:
    from sparring.engine import LiveReply

#: Where a model runs, as every view says it.
WHERE = {"local": "local · on this machine", "cloud": "cloud"}


def byte_size(count: int) -> str:
    """`512 B`, `3.4 KB`, `2.5 GB`: file sizes in downloads and model lists (1 KB = 1024 B)."""
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def where_label(location: str) -> str:
    return WHERE.get(location, location)


def cost_text(cost: float | None) -> str:
    """`$0.0012`; `$0` for nothing spent; "cost unknown" when no price is listed."""
    if cost is None:
        return "cost unknown"
    if cost == 0:
        return "$0"
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def money(cost: float | None, location: str) -> str:
    """The short form of a cost: "free" for an answer made on this machine."""
    if cost is None:
        return "cost unknown"
    if location == "local" and cost == 0:
        return "free"
    return f"${cost:.4f}"


def figures_line(reply: Reply) -> str:
    """`ttft 0.21 s · 85.3 tok/s · 212 in / 96 out · $0.0012`: a finished reply's figures."""
    parts: list[str] = []
    if reply.ttft is not None:
        parts.append(f"ttft {reply.ttft:.2f} s")
    rate = reply.tokens_per_second
    if rate is not None:
        parts.append(f"{rate:.1f} tok/s")
    if reply.input_tokens is not None or reply.output_tokens is not None:
        approx = "~" if reply.tokens_estimated else ""
        parts.append(
            f"{approx}{reply.input_tokens or 0} in / {approx}{reply.output_tokens or 0} out"
        )
    parts.append(cost_text(reply.cost))
    return " · ".join(parts)


def short_figures(reply: Reply) -> str:
    """The figures of a finished reply for a column; empty when it produced nothing to measure."""
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


def heading(reply: Reply) -> str:
    """`small (local:SmolLM2…) · local · on this machine`: which model, and where it ran."""
    name = (
        reply.model
        if reply.model == reply.backend or not reply.backend
        else (f"{reply.model} ({reply.backend})")
    )
    return f"{name} · {where_label(reply.location)}"


def status_note(reply: Reply) -> str:
    if reply.status == "ok":
        return ""
    if reply.error:
        return f"[{reply.status}] {reply.error}"
    return f"[{reply.status}]"


def item_summary(reply: Reply) -> str:
    """ "4 distinct of 10" when duplicates were folded."""
    total = sum(item.count for item in reply.items)
    if total and total != len(reply.items):
        return f"{len(reply.items)} distinct of {total}"
    return ""


def live_figures(live: LiveReply, now: float, config: Config) -> str:
    """The short figures of a reply still streaming, from what has arrived so far.

    `now` is on the clock of `time.monotonic`, as the LiveReply's own times are.
    """
    if live.first_delta_at is None:
        return f"waiting {now - live.started:.1f}s"
    # The same four-characters-a-token guess the backends use when they report none.
    output_tokens = max(1, estimate_characters(live.characters))
    parts = [f"ttft {live.first_delta_at - live.started:.2f}s"]
    generating = now - live.first_delta_at
    if generating > 0:
        parts.append(f"{max(output_tokens - 1, 1) / generating:.0f} tok/s")
    parts.append(f"~{output_tokens} tok")
    cost = estimate_cost(live.model, live.location, live.input_tokens, output_tokens, config)
    parts.append(money(cost, live.location))
    return " · ".join(parts)
