"""The session: what the writer gave, what each model said, what was kept.

A session is one context (the draft and where it came from) and the turns
sent about it: a task on every column, or a follow-up. Each turn holds one
reply per model that answered, with its text, items, figures and status;
the writer's keepers and votes hang off the turns by index. How a session is
written to disk is toml_format.py's business.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sparring.items import Item
from sparring.providers.base import generation_rate
from sparring.providers.listing import ListShape

#: 2 added thinking, its figures, model load and cached tokens, and the "cut" and
#: "refused" statuses; 3 the turn's seed. Older files are read as they are.
FORMAT_VERSION = 3

Status = Literal["ok", "streaming", "interrupted", "cancelled", "error", "cut", "refused"]
#: Statuses of a reply whose text the writer can judge (it may be incomplete).
ANSWERED = ("ok", "interrupted", "cut")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Reply:
    model: str
    backend: str = ""
    location: str = "local"
    status: Status = "streaming"
    text: str = ""
    items: list[Item] = field(default_factory=list)
    error: str | None = None
    exit_code: int | None = None
    input_tokens: int | None = None
    #: Every generated token, thinking included (as billed).
    output_tokens: int | None = None
    tokens_estimated: bool = False
    #: Seconds to the first generated token (thinking or answer), a model load apart.
    ttft: float | None = None
    seconds: float | None = None
    cost: float | None = None
    started: str = field(default_factory=now)
    #: The model's thinking, apart from its answer; never parsed into items.
    thinking: str = ""
    thinking_tokens: int | None = None
    thinking_estimated: bool = False
    #: The model thought without showing it (OpenAI's reasoning models): billed, unseen.
    hidden_thinking: bool = False
    thinking_seconds: float | None = None
    #: Seconds to the first token of the answer itself.
    ttfa: float | None = None
    load_seconds: float | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    #: Calls that made a list answer held to N items (see lists.py), and the first's seed.
    calls: int | None = None
    seed: int | None = None

    @property
    def tokens_per_second(self) -> float | None:
        return generation_rate(
            self.output_tokens,
            self.thinking_tokens if self.hidden_thinking else None,
            self.ttft,
            self.seconds,
            self.load_seconds,
        )

    @property
    def answer_tokens(self) -> int | None:
        if self.output_tokens is None:
            return None
        return max(self.output_tokens - (self.thinking_tokens or 0), 0)


@dataclass
class Turn:
    task: str
    user: str
    system: str = ""
    instruction: str = ""
    output: str = "text"  # "list" replies are parsed into items
    to: str = ""
    #: How much the models were asked to think: off, low, medium, high; "" for their default.
    think: str = ""
    #: The sampler's seed the models were sent: a new one each turn, unless the writer
    #: asked for one (--seed), so asking again brings new ideas and a seed can be repeated.
    seed: int | None = None
    #: How many items a list turn asked for (0: not a list, or not known).
    count: int = 0
    #: The one-line items a list turn asks for, held to `count` where a model takes it.
    shape: ListShape | None = None
    #: Characters at the start of `user` that every task of the session sends alike (the
    #: draft and what comes before it): a service's prompt cache can keep them.
    shared: int = 0
    #: The items end with a quote of the passage they are about, pinned to the draft.
    anchor: bool = False
    #: A long draft sent in parts (sections.py): which part this turn was (1-based), of
    #: how many, and the sections it covers; 0 and "" for a whole draft.
    part: int = 0
    parts: int = 0
    section: str = ""
    #: Where the part is in the draft, [start, end): its items' quotes are looked for
    #: there. Known while the turn runs; not saved (the items keep where they point).
    span: tuple[int, int] | None = field(default=None, compare=False)
    replies: list[Reply] = field(default_factory=list)
    created: str = field(default_factory=now)


@dataclass
class Keeper:
    text: str
    model: str = ""
    turn: int = 0


VOTE_CHOICES = ("A", "B", "tie", "both-bad")


@dataclass
class Vote:
    """The writer's judgement of the two answers to one turn, shown as A and B."""

    turn: int
    order: list[str]
    choice: str = ""  # one of VOTE_CHOICES; "" while the vote is still to be cast
    blind: bool = True
    created: str = field(default_factory=now)

    @property
    def pending(self) -> bool:
        return not self.choice

    @property
    def winner(self) -> str | None:
        """The model judged better, or None for a tie, both bad, or no vote yet."""
        if self.choice == "A":
            return self.order[0]
        if self.choice == "B":
            return self.order[1]
        return None


@dataclass
class Context:
    text: str = ""
    sources: list[str] = field(default_factory=list)


@dataclass
class Session:
    id: str = field(default_factory=lambda: secrets.token_hex(4))
    created: str = field(default_factory=now)
    title: str = ""
    context: Context = field(default_factory=Context)
    turns: list[Turn] = field(default_factory=list)
    keepers: list[Keeper] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    egress: list[str] = field(default_factory=list)
    parent: str = ""
    # The process streaming into this file, while it does; 0 once it is done.
    writer: int = 0
    format: int = FORMAT_VERSION

    @property
    def task(self) -> str:
        return self.turns[0].task if self.turns else ""

    @property
    def models(self) -> list[str]:
        seen: list[str] = []
        for turn in self.turns:
            for reply in turn.replies:
                if reply.model not in seen:
                    seen.append(reply.model)
        return seen

    def conversation(self, model: str) -> list[tuple[str, str]]:
        """(user, assistant) pairs that `model` has seen, in order: its column's thread."""
        pairs: list[tuple[str, str]] = []
        for turn in self.turns:
            for reply in turn.replies:
                if reply.model == model and reply.text:
                    pairs.append((turn.user, reply.text))
        return pairs

    def file_name(self) -> str:
        stamp = self.created.replace(":", "").replace("-", "")[:15]
        return f"{stamp}-{self.id}.toml"


def make_title(task: str, context: str, words: int = 8) -> str:
    first = " ".join(word for word in context.split() if word.strip("#>*-"))
    first = " ".join(first.split()[:words])
    return f"{task}: {first}" if task else first
