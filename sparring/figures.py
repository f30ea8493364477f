"""How a reply's figures and place are worded, for every view: pipe, export, replay, the TUI.

Two lengths of the same figures: the full line under a pipe block or an
exported answer (`ttft 0.21 s · 85.3 tok/s · 212 in / 96 out · $0.0012`),
and the short one under a TUI column (`ttft 0.21s · 85 tok/s · 96 tok ·
$0.0012`), which has a column's width to fit in.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sparring.config import OWN_HARDWARE, Config
from sparring.pricing import estimate_cost
from sparring.providers.base import estimate_characters
from sparring.sessions.model import Reply

if TYPE_CHECKING:
    from sparring.engine import LiveReply

#: Where a model runs, as every view says it.
WHERE = {
    "local": "local · on this machine",
    "network": "network · on your network",
    "cloud": "cloud",
}


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
    if location in OWN_HARDWARE and cost == 0:
        return "free"
    return f"${cost:.4f}"


def thinking_summary(reply: Reply, *, short: bool = False) -> str:
    """`thought 14.2 s, 820 tok`; `thought 820 tok, unseen` for thinking the service hid."""
    if not (reply.thinking or reply.thinking_tokens):
        return ""
    approx = "~" if reply.thinking_estimated else ""
    tokens = f"{approx}{reply.thinking_tokens} tok" if reply.thinking_tokens else ""
    if reply.hidden_thinking:
        return f"thought {tokens}, unseen"
    seconds = reply.thinking_seconds
    if short:
        return f"thought {seconds:.0f}s" if seconds is not None else "thought"
    when = f"{seconds:.1f} s" if seconds is not None else ""
    return "thought " + ", ".join(part for part in (when, tokens) if part)


def figures_line(reply: Reply) -> str:
    """`ttft 0.21 s · 85.3 tok/s · 212 in / 96 out · $0.0012`: a finished reply's figures.

    A reasoning model's line says how long and how much it thought, and when
    its answer began; a model the service loaded first says how long that took.
    """
    parts: list[str] = []
    if reply.load_seconds:
        parts.append(f"load {reply.load_seconds:.1f} s")
    if reply.ttft is not None:
        parts.append(f"ttft {reply.ttft:.2f} s")
    thought = thinking_summary(reply)
    if thought:
        parts.append(thought)
        if reply.ttfa is not None and reply.ttfa != reply.ttft:
            parts.append(f"answer at {reply.ttfa:.2f} s")
    rate = reply.tokens_per_second
    if rate is not None:
        parts.append(f"{rate:.1f} tok/s")
    if reply.input_tokens is not None or reply.output_tokens is not None:
        approx = "~" if reply.tokens_estimated else ""
        cached = f" ({reply.cached_input_tokens} cached)" if reply.cached_input_tokens else ""
        parts.append(
            f"{approx}{reply.input_tokens or 0} in{cached} / {approx}{reply.output_tokens or 0} out"
        )
    parts.append(cost_text(reply.cost))
    return " · ".join(parts)


def short_figures(reply: Reply, width: int | None = None) -> str:
    """The figures of a finished reply for a column; empty when it produced nothing to measure.

    With `width`, the line is fitted to it (see `fit`).
    """
    parts: list[str] = []
    if reply.ttft is not None:
        parts.append(f"ttft {reply.ttft:.2f}s")
    thought = thinking_summary(reply, short=True)
    if thought:
        parts.append(thought)
    speed = reply.tokens_per_second
    if speed is not None:
        parts.append(f"{speed:.0f} tok/s")
    if reply.output_tokens is not None:
        approximate = "~" if reply.tokens_estimated else ""
        parts.append(f"{approximate}{reply.output_tokens} tok")
    if parts or reply.cost is not None:
        parts.append(money(reply.cost, reply.location))
    return fit(parts, width)


#: The parts of a short figures line that go first when it does not fit: the token
#: count, then the thinking time. The speed and the cost stay as long as they can.
_DROPPED_FIRST = (re.compile(r"~?\d+ tok"), re.compile(r"thought.*"))
_SHORTER = (
    ("ttft ", ""),
    (" tok/s", "t/s"),
    ("thinking ", "think "),
    ("loading the model", "loading"),
)


def fit(parts: list[str], width: int | None) -> str:
    """`parts` joined with " · ", made to fit `width` columns, or as they are without one.

    The token count and the thinking time go first, then the words get shorter
    (`0.25s · 57t/s · free`), then the line is cut with an ellipsis.
    """
    line = " · ".join(parts)
    if width is None or len(line) <= width:
        return line
    kept = list(parts)
    for droppable in _DROPPED_FIRST:
        if len(" · ".join(kept)) <= width:
            break
        kept = [part for part in kept if not droppable.fullmatch(part)] or kept
    line = " · ".join(kept)
    for long, short in _SHORTER:
        if len(line) <= width:
            break
        line = line.replace(long, short)
    if len(line) > width:
        line = line.replace(" · ", "·")
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def heading(reply: Reply) -> str:
    """`small (local:SmolLM2…) · local · on this machine`: which model, and where it ran."""
    name = (
        reply.model
        if reply.model == reply.backend or not reply.backend
        else (f"{reply.model} ({reply.backend})")
    )
    return f"{name} · {where_label(reply.location)}"


#: How a reply that did not end well is marked, in every view.
STATUS_MARKS = {
    "cut": "cut short",
    "refused": "refused",
    "interrupted": "interrupted",
    "cancelled": "cancelled",
    "error": "error",
    "streaming": "streaming",
}


def status_note(reply: Reply) -> str:
    """`[cut short] why`: how a reply that did not end well ended; empty for a whole one."""
    if reply.status == "ok":
        return ""
    mark = STATUS_MARKS.get(reply.status, reply.status)
    if reply.error:
        return f"[{mark}] {reply.error}"
    return f"[{mark}]"


def item_summary(reply: Reply, asked: int = 0) -> str:
    """How many items came of those asked for, never silently fewer: "10 suggestions
    (3 folded)", "the model gave 3 of the 10 asked"; empty when it is just what was asked."""
    distinct = len(reply.items)
    folded = sum(item.count for item in reply.items) - distinct
    foreign = sum(1 for item in reply.items if item.language)
    notes = [f"{folded} folded"] if folded else []
    if foreign:
        notes.append(f"{foreign} not in the draft's language")
    said = f" ({', '.join(notes)})" if notes else ""
    if asked and distinct < asked and reply.status in ("ok", "cut"):
        return f"the model gave {distinct} of the {asked} asked{said}"
    if said:
        return f"{distinct} suggestions{said}"
    return ""


def live_figures(live: LiveReply, now: float, config: Config, width: int | None = None) -> str:
    """The short figures of a reply still streaming, from what has arrived so far.

    `now` is on the clock of `time.monotonic`, as the LiveReply's own times are.
    With `width`, the line is fitted to it (see `fit`).
    """
    if live.first_delta_at is None:
        if live.backend is not None and live.backend.loading:
            return fit([f"loading the model {now - live.started:.0f}s"], width)
        return fit([f"waiting {now - live.started:.1f}s"], width)
    if live.thinking:
        thought = max(1, estimate_characters(live.thinking_characters))
        return fit([f"thinking {now - live.first_delta_at:.0f}s", f"~{thought} tok"], width)
    # The same four-characters-a-token guess the backends use when they report none.
    output_tokens = max(1, estimate_characters(live.characters + live.thinking_characters))
    parts = [f"ttft {live.first_delta_at - live.started:.2f}s"]
    generating = now - live.first_delta_at
    if generating > 0:
        parts.append(f"{max(output_tokens - 1, 1) / generating:.0f} tok/s")
    parts.append(f"~{output_tokens} tok")
    cost = estimate_cost(live.model, live.location, live.input_tokens, output_tokens, config)
    parts.append(money(cost, live.location))
    return fit(parts, width)


def thinking_progress(live: LiveReply, now: float) -> str:
    """`thinking · 14 s · ~820 tokens` while a model thinks; `thought · …` once it answers."""
    started = live.first_delta_at if live.first_delta_at is not None else now
    ended = live.first_answer_at if live.first_answer_at is not None else now
    tokens = estimate_characters(live.thinking_characters)
    word = "thinking" if live.thinking else "thought"
    return f"{word} · {ended - started:.0f} s · ~{tokens} tokens"


def live_status(live: LiveReply, now: float) -> str:
    """What a reply is doing, with the time since it was asked: the pipe's status line.

    `starting 0.4s` (its SDK is imported), `loading the model 3s` (the embedded
    model reads its weights), `waiting 2.1s` (asked, nothing back yet),
    `thinking 6s · ~120 tok`, `writing 9s · ~310 tok`.
    """
    seconds = now - live.started
    elapsed = f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    if live.first_delta_at is None:
        if live.backend is None:
            return f"starting {elapsed}"
        if live.backend.loading:
            return f"loading the model {elapsed}"
        return f"waiting {elapsed}"
    if live.thinking:
        return f"thinking {elapsed} · ~{max(1, estimate_characters(live.thinking_characters))} tok"
    return f"writing {elapsed} · ~{max(1, estimate_characters(live.characters))} tok"
