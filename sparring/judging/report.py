"""The statistics of stats.py as the plain-text report `sparring stats` prints."""

from __future__ import annotations

import textwrap

from sparring.figures import cost_text
from sparring.judging.stats import DEFINITION, ModelFigures, Pair, Stats, interval_text


def render_text(stats: Stats) -> str:
    lines = [f"sparring stats: {_plural(stats.sessions, 'session')}", "", *_wrap(DEFINITION)]
    lines += [
        "Keepers are the ideas you starred; ttft (time to first token) and tok/s are medians",
        "over finished answers; cost is the estimate made when each answer came.",
        "",
    ]
    if not stats.tasks:
        lines.append(
            "No answers yet: compare two models blind, e.g. "
            "sparring headlines draft.md -m local --vs flagship --blind"
        )
        return "\n".join(lines) + "\n"
    for task in stats.tasks:
        lines += [f"== {task.task}", ""]
        for pair in task.pairs:
            lines += _pair_lines(pair) + [""]
        lines += _table(task.models) + [""]
    ledger = stats.ledger
    lines += ["== ledger", ""]
    unpriced = f", {ledger.cloud_unpriced} of unknown price" if ledger.cloud_unpriced else ""
    lines.append(
        f"spent on cloud answers: {cost_text(ledger.cloud_spent)} "
        f"({_plural(ledger.cloud_answers, 'answer')}{unpriced})"
    )
    lines.append(
        f"local answers: {ledger.local_answers}; on the flagship they would have cost "
        f"{cost_text(ledger.local_on_flagship)}: what staying local saved"
    )
    if ledger.local_priced:
        lines.append(
            f"  proven: {cost_text(ledger.proven_saved)} on "
            f"{_plural(ledger.proven_answers, 'answer')} that won or tied a blind vote; "
            f"unproven: {cost_text(ledger.unproven_saved)} on the rest"
        )
    if ledger.flagships:
        at = ", ".join(f"{name} ({count})" for name, count in sorted(ledger.flagships.items()))
        lines.append(f"  (each local answer's own tokens at the flagship's price: {at})")
    if ledger.local_unpriced:
        lines.append(
            f"  {ledger.local_unpriced} local answers had no flagship price: set the alias "
            '`flagship`, pass --flagship MODEL, or add [pricing."MODEL"] to the config'
        )
    lines += ["", "== recommendation", ""]
    for task in stats.tasks:
        lines += [r.text for r in task.recommendations]
        routed = stats.routes.get(task.task)
        local = stats.route_for(task.task)
        if routed:
            lines.append(
                f"  {task.task} runs on {routed} when no model is named "
                f"(undo: sparring stats --unroute {task.task})"
            )
        elif local:
            lines.append(
                f"  make {local} the default for {task.task}: sparring stats --route {task.task}"
            )
    return "\n".join(lines) + "\n"


def _pair_lines(pair: Pair) -> list[str]:
    lines = [f"{pair.subject} vs {pair.other}"]
    for name, tally in (("blind votes", pair.blind), ("open votes (names shown)", pair.open)):
        if not tally.votes and name.startswith("open"):
            continue
        lines.append(
            f"  {name}: {tally.votes} ({pair.subject} won {tally.won}, {pair.other} won "
            f"{tally.lost}, tie {tally.tie}, both bad {tally.both_bad})"
        )
        if tally.votes:
            who = "the local model" if pair.local_vs_cloud else pair.subject
            line = f"    {who} won or tied {tally.good_enough} of {tally.votes} = {tally.rate:.0%}"
            if tally is pair.blind:
                line += f", 95% interval {interval_text(tally)}"
            lines.append(line)
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _table(models: list[ModelFigures]) -> list[str]:
    header = ("model", "where", "answers", "keepers", "per answer", "ttft", "tok/s", "cost")
    rows = [header]
    for figures in models:
        per_answer = figures.keepers_per_answer
        ttft = figures.median_ttft
        rate = figures.median_tokens_per_second
        cost = cost_text(figures.cost)
        if figures.unpriced:
            cost += f" (+{figures.unpriced} unpriced)"
        rows.append(
            (
                figures.label,
                figures.location,
                str(figures.answers),
                str(figures.keepers),
                "-" if per_answer is None else f"{per_answer:.2f}",
                "-" if ttft is None else f"{ttft:.2f} s",
                "-" if rate is None else f"{rate:.1f}",
                cost,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _wrap(text: str, width: int = 88) -> list[str]:
    return textwrap.wrap(text, width)
