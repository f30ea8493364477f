"""`sparring stats`: is the small model good enough, task by task?

Counted from every saved session (through the cached index, so ten thousand
sessions take no longer than a listing), per task and per pair of compared
models:

Models are counted by what they resolved to (the backend that answered), not by
the name the writer used: `small`, `local` and `local:SmolLM2…` are one model
when they ran the same file. A follow-up counts under the task it followed.

- votes, blind and open (names shown) apart, and the share of blind votes the
  local model won or tied, with a 95% Wilson interval. "Good enough" is that
  share, over every blind vote of the pair: a both-bad vote counts against it;
- keepers (starred ideas) per answer, the median time to first token and
  tokens per second, and the cost, per model;
- a ledger (ledger.py): the money spent on cloud answers, and what the local
  answers would have cost on the flagship (their own tokens at its price),
  i.e. what staying local saved.

It ends with a plain recommendation per task. Everything here but `cmd_stats`
is a pure function of the index entries and the config.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

from sparring.config import OWN_HARDWARE, Config
from sparring.judging import ledger as ledger_module
from sparring.judging.ledger import Flagship, Ledger, fixed_flagship
from sparring.sessions.catalog import Entry, ReplyFacts
from sparring.sessions.model import ANSWERED, Session

Z95 = 1.96  # the normal quantile for a two-sided 95% interval
MIN_VOTES = 10  # blind votes of a pair before a verdict
SHIPPED_TASKS = ("headlines", "counter", "questions")

DEFINITION = (
    "Good enough = the local model won or tied, counted over all blind votes of the pair "
    "(a both-bad vote counts against it), with a 95% Wilson interval. A verdict needs "
    f"{MIN_VOTES} blind votes: good enough when the interval's low end is at least 50%, "
    "the flagship when its high end is below 50%, too close to call in between."
)

Verdict = Literal["good-enough", "flagship", "too-close", "not-enough-votes"]


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; None with no trials."""
    if total <= 0:
        return None
    share = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    center = (share + z2 / (2 * total)) / denominator
    half = (z / denominator) * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total))
    return max(0.0, center - half), min(1.0, center + half)


@dataclass
class Tally:
    """Votes on one pair, from the side of its subject (the local model)."""

    won: int = 0
    lost: int = 0
    tie: int = 0
    both_bad: int = 0

    @property
    def votes(self) -> int:
        return self.won + self.lost + self.tie + self.both_bad

    @property
    def good_enough(self) -> int:
        return self.won + self.tie

    @property
    def rate(self) -> float | None:
        return self.good_enough / self.votes if self.votes else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.good_enough, self.votes)

    def as_dict(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "votes": self.votes,
            "won": self.won,
            "lost": self.lost,
            "tie": self.tie,
            "both_bad": self.both_bad,
            "won_or_tied": self.good_enough,
            "rate": self.rate,
            "interval": list(interval) if interval else None,
        }


@dataclass
class Pair:
    """Two models compared on the same turns; `subject` is the local one."""

    subject: str
    other: str
    # One ran on this machine, the other in the cloud: the question this tool asks.
    local_vs_cloud: bool
    blind: Tally = field(default_factory=Tally)
    open: Tally = field(default_factory=Tally)
    #: What the writer called the subject (`small`, `local`): a name a task can be routed to.
    subject_names: list[str] = field(default_factory=list)

    @property
    def runnable(self) -> str:
        """A name for the subject that `-m` takes: the shortest the writer used."""
        return min(self.subject_names, key=lambda name: (len(name), name), default=self.subject)

    def as_dict(self) -> dict[str, Any]:
        return {
            "local": self.subject if self.local_vs_cloud else None,
            "models": [self.subject, self.other],
            "local_vs_cloud": self.local_vs_cloud,
            "blind": self.blind.as_dict(),
            "open": self.open.as_dict(),
        }


@dataclass
class ModelFigures:
    """One model's answers to one task."""

    model: str
    #: The names the writer called it by (aliases), when they differ from `model`.
    names: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)
    answers: int = 0
    failed: int = 0
    keepers: int = 0
    ttfts: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    cost: float = 0.0
    unpriced: int = 0

    @property
    def location(self) -> str:
        return "/".join(sorted(self.locations)) or "-"

    @property
    def label(self) -> str:
        """`local:SmolLM2-135M-Instruct.Q4_1 (as small)`: the model, and what it was called."""
        called = sorted(self.names - {self.model})
        return f"{self.model} (as {', '.join(called)})" if called else self.model

    @property
    def keepers_per_answer(self) -> float | None:
        return self.keepers / self.answers if self.answers else None

    @property
    def median_ttft(self) -> float | None:
        return statistics.median(self.ttfts) if self.ttfts else None

    @property
    def median_tokens_per_second(self) -> float | None:
        return statistics.median(self.rates) if self.rates else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "names": sorted(self.names),
            "location": self.location,
            "answers": self.answers,
            "failed": self.failed,
            "keepers": self.keepers,
            "keepers_per_answer": self.keepers_per_answer,
            "median_ttft": self.median_ttft,
            "median_tokens_per_second": self.median_tokens_per_second,
            "cost": self.cost,
            "unpriced": self.unpriced,
        }


@dataclass
class Recommendation:
    task: str
    verdict: Verdict
    text: str
    pair: Pair | None = None

    def as_dict(self) -> dict[str, Any]:
        models = [self.pair.subject, self.pair.other] if self.pair else None
        return {"task": self.task, "verdict": self.verdict, "models": models, "text": self.text}


@dataclass
class TaskStats:
    task: str
    pairs: list[Pair]
    models: list[ModelFigures]
    recommendations: list[Recommendation]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "pairs": [pair.as_dict() for pair in self.pairs],
            "models": [figures.as_dict() for figures in self.models],
            "recommendations": [r.as_dict() for r in self.recommendations],
        }


@dataclass
class Stats:
    sessions: int
    tasks: list[TaskStats]
    ledger: Ledger
    #: Task -> the model it runs on when none is named, where the config sets one.
    routes: dict[str, str] = field(default_factory=dict)

    def route_for(self, task: str) -> str | None:
        """The local model to make `task`'s default: its good-enough one, not yet routed."""
        for recommendation in next((t.recommendations for t in self.tasks if t.task == task), []):
            pair = recommendation.pair
            if recommendation.verdict == "good-enough" and pair is not None:
                return pair.runnable
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "definition": DEFINITION,
            "min_votes": MIN_VOTES,
            "tasks": [task.as_dict() for task in self.tasks],
            "ledger": self.ledger.as_dict(),
            "recommendations": [r.as_dict() for task in self.tasks for r in task.recommendations],
            "routes": dict(self.routes),
        }


# --- counting --------------------------------------------------------------


@dataclass
class _PairVotes:
    locations: dict[str, set[str]] = field(default_factory=dict)
    # (the model judged better or None, the choice, blind)
    votes: list[tuple[str | None, str, bool]] = field(default_factory=list)


def compute(
    entries: list[Entry],
    config: Config,
    *,
    task: str | None = None,
    flagship: Flagship | None = None,
) -> Stats:
    """The statistics of `entries` (of one task, if given).

    `flagship`, if given, prices every local answer; otherwise each is priced
    at the cloud model it was compared with (see `fixed_flagship`).
    """
    models: dict[str, dict[str, ModelFigures]] = {}
    pairs: dict[str, dict[tuple[str, str], _PairVotes]] = {}
    called: dict[str, set[str]] = {}  # a model as resolved -> the names it was asked by
    ledger = Ledger()
    sessions = 0
    for entry in entries:
        if not entry.readable:
            continue
        counted = False
        tasks_of_turns = counted_tasks(entry.turn_tasks)
        by_turn: dict[int, list[ReplyFacts]] = {}
        for reply in entry.replies:
            by_turn.setdefault(reply.turn, []).append(reply)
        held_up = _held_up(entry)
        for turn_index, replies in by_turn.items():
            turn_task = _task_of(tasks_of_turns, turn_index) or replies[0].task
            if task is not None and turn_task != task:
                continue
            counted = True
            figures_of = models.setdefault(turn_task, {})
            for reply in replies:
                name = resolved(reply)
                figures = figures_of.setdefault(name, ModelFigures(name))
                figures.names.add(reply.model)
                called.setdefault(name, set()).add(reply.model)
                _count_reply(figures, reply)
                proven = (reply.turn, reply.model) in held_up
                ledger_module.count(ledger, reply, replies, config, flagship, proven)
            names = {resolved(reply) for reply in replies}
            if len(replies) == 2 and len(names) == 2:
                key = _pair_key(*names)
                pair = pairs.setdefault(turn_task, {}).setdefault(key, _PairVotes())
                for reply in replies:
                    pair.locations.setdefault(resolved(reply), set()).add(reply.location)
        for vote in entry.votes:
            voted_task = _task_of(tasks_of_turns, vote.turn)
            if voted_task is None or (task is not None and voted_task != task):
                continue
            order = [_resolved_name(by_turn.get(vote.turn, []), name) for name in vote.order]
            if len(order) != 2 or order[0] == order[1]:
                continue
            if vote.choice not in ("A", "B", "tie", "both-bad"):
                continue  # still to be cast
            winner = {"A": order[0], "B": order[1]}.get(vote.choice)
            key = _pair_key(*order)
            pair = pairs.setdefault(voted_task, {}).setdefault(key, _PairVotes())
            pair.votes.append((winner, vote.choice, vote.blind))
        for keeper in entry.keepers:
            kept_task = _task_of(tasks_of_turns, keeper.turn)
            if kept_task is None or (task is not None and kept_task != task):
                continue
            figures_of = models.setdefault(kept_task, {})
            name = _resolved_name(by_turn.get(keeper.turn, []), keeper.model)
            figures_of.setdefault(name, ModelFigures(name)).keepers += 1
        sessions += counted
    tasks = []
    for name in _task_order({*models, *pairs}):
        task_pairs = [_finish_pair(key, votes) for key, votes in pairs.get(name, {}).items()]
        for finished in task_pairs:
            finished.subject_names = sorted(called.get(finished.subject, ()))
        task_pairs.sort(key=lambda pair: (not pair.local_vs_cloud, -pair.blind.votes, pair.subject))
        task_models = sorted(
            models.get(name, {}).values(),
            key=lambda f: (f.location not in OWN_HARDWARE, -f.answers, f.model),
        )
        tasks.append(TaskStats(name, task_pairs, task_models, recommend(name, task_pairs)))
    routes = {name: settings.model for name, settings in config.tasks.items() if settings.model}
    return Stats(sessions=sessions, tasks=tasks, ledger=ledger, routes=routes)


def for_session(session: Session, config: Config) -> Stats:
    """The figures of one session, saved or not: the TUI's panel for the open session."""
    from sparring.sessions.catalog import summarize

    entry = summarize(session, session.file_name())
    return compute([entry], config, flagship=fixed_flagship(config, None))


def recommendation_for(task: str, config: Config) -> list[Recommendation]:
    """The recommendation for `task` from every saved session.

    It reads the sessions dir (new or changed files are parsed): call it from a worker.
    """
    from sparring.sessions import catalog

    stats = compute(catalog.entries(), config, task=task, flagship=fixed_flagship(config, None))
    return stats.tasks[0].recommendations if stats.tasks else recommend(task, [])


def _count_reply(figures: ModelFigures, reply: ReplyFacts) -> None:
    figures.locations.add(reply.location)
    if reply.status in ANSWERED:
        figures.answers += 1
    else:
        figures.failed += 1
    if reply.status == "ok":
        if reply.ttft is not None:
            figures.ttfts.append(reply.ttft)
        if reply.tokens_per_second is not None:
            figures.rates.append(reply.tokens_per_second)
    if reply.cost is not None:
        figures.cost += reply.cost
    elif reply.status in ANSWERED:
        figures.unpriced += 1


def _held_up(entry: Entry) -> set[tuple[int, str]]:
    """(turn, model) of every answer that won or tied a blind vote."""
    held: set[tuple[int, str]] = set()
    for vote in entry.votes:
        if not vote.blind or len(vote.order) != 2:
            continue
        if vote.choice == "tie":
            held.update((vote.turn, model) for model in vote.order)
        elif vote.choice in ("A", "B"):
            held.add((vote.turn, vote.order[0] if vote.choice == "A" else vote.order[1]))
    return held


def _pair_key(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first <= second else (second, first)


def resolved(reply: ReplyFacts) -> str:
    """The model that answered (its backend), or the name given if it never opened."""
    return reply.backend or reply.model


def _resolved_name(replies: list[ReplyFacts], name: str) -> str:
    """What the model called `name` in a turn resolved to."""
    return next((resolved(reply) for reply in replies if reply.model == name), name)


def counted_tasks(turn_tasks: list[str]) -> list[str]:
    """The task each turn counts under: its own, or for a follow-up, the task it followed."""
    from sparring.sessions.turns import FOLLOW_UP

    counted: list[str] = []
    last = FOLLOW_UP
    for task in turn_tasks:
        if task != FOLLOW_UP:
            last = task
        counted.append(last)
    return counted


def _task_of(turn_tasks: list[str], turn: int) -> str | None:
    return turn_tasks[turn] if 0 <= turn < len(turn_tasks) else None


def _task_order(names: set[str]) -> list[str]:
    shipped = [name for name in SHIPPED_TASKS if name in names]
    return shipped + sorted(names - set(SHIPPED_TASKS))


def _sides(locations: set[str]) -> set[str]:
    """Where a model ran, as a comparison sees it: on the writer's own hardware (this
    machine or their network) is the local side."""
    return {"local" if location in OWN_HARDWARE else location for location in locations}


def _finish_pair(key: tuple[str, str], found: _PairVotes) -> Pair:
    first, second = key
    places = (_sides(found.locations.get(first, set())), _sides(found.locations.get(second, set())))
    if places == ({"local"}, {"cloud"}):
        pair = Pair(first, second, local_vs_cloud=True)
    elif places == ({"cloud"}, {"local"}):
        pair = Pair(second, first, local_vs_cloud=True)
    else:
        pair = Pair(first, second, local_vs_cloud=False)
    for winner, choice, blind in found.votes:
        tally = pair.blind if blind else pair.open
        if choice == "tie":
            tally.tie += 1
        elif choice == "both-bad":
            tally.both_bad += 1
        elif winner == pair.subject:
            tally.won += 1
        else:
            tally.lost += 1
    return pair


def recommend(task: str, pairs: list[Pair]) -> list[Recommendation]:
    """One plain sentence per local-vs-cloud pair of the task (one, if it has none)."""
    compared = [pair for pair in pairs if pair.local_vs_cloud]
    if not compared:
        text = f"{task}: not enough votes yet (0 of {MIN_VOTES})"
        if pairs:
            text += "; no local model has been compared with a cloud one on it"
        return [Recommendation(task, "not-enough-votes", text)]
    recommendations = []
    for pair in compared:
        label = task if len(compared) == 1 else f"{task} ({pair.subject} vs {pair.other})"
        verdict, reason = _verdict(pair.blind)
        recommendations.append(Recommendation(task, verdict, f"{label}: {reason}", pair))
    return recommendations


def _verdict(tally: Tally) -> tuple[Verdict, str]:
    if tally.votes < MIN_VOTES:
        return "not-enough-votes", f"not enough votes yet ({tally.votes} of {MIN_VOTES})"
    share = f"won or tied {tally.rate:.0%} of {tally.votes} blind votes"
    low, high = tally.interval or (0.0, 1.0)
    if low >= 0.5:
        return "good-enough", f"the local model is good enough ({share})"
    if high < 0.5:
        return "flagship", f"use the flagship (the local model {share})"
    return (
        "too-close",
        f"too close to call (the local model {share}; 95% interval {interval_text(tally)})",
    )


def interval_text(tally: Tally) -> str:
    low, high = tally.interval or (0.0, 1.0)
    return f"{low:.0%}–{high:.0%}"
