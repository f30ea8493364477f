"""`sparring stats`: the figures of stats.py as a plain-text report or JSON."""

from __future__ import annotations

import json
import sys

from sparring.ledger import fixed_flagship
from sparring.stats import DEFINITION, ModelFigures, Pair, Stats, compute, interval_text


def render_text(stats: Stats) -> str:
    from sparring.render import cost_text

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
    if ledger.flagships:
        at = ", ".join(f"{name} ({count})" for name, count in sorted(ledger.flagships.items()))
        lines.append(f"  (each local answer's own tokens at the flagship's price: {at})")
    if ledger.local_unpriced:
        lines.append(
            f"  {ledger.local_unpriced} local answers had no flagship price: set the alias "
            '`flagship`, pass --flagship MODEL, or add [pricing."MODEL"] to the config'
        )
    lines += ["", "== recommendation", ""]
    lines += [r.text for task in stats.tasks for r in task.recommendations]
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
    from sparring.render import cost_text

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
                figures.model,
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
    import textwrap

    return textwrap.wrap(text, width)


def cmd_stats(argv: list[str]) -> int:
    from sparring import catalog
    from sparring import config as config_module
    from sparring.cli import command_parser
    from sparring.errors import UsageError, did_you_mean

    parser = command_parser(
        "sparring stats",
        "Is the small model good enough? Votes, win rates, keepers, speed and cost per task, "
        "from every saved session, with a recommendation per task.",
    )
    parser.add_argument("--task", metavar="T", help="only this task (e.g. headlines)")
    parser.add_argument(
        "--flagship",
        metavar="MODEL",
        help="price the local answers at this model (default: the alias `flagship`, else "
        "the cloud model each was compared with)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    options = parser.parse_args(argv)
    config = config_module.load()
    flagship = fixed_flagship(config, options.flagship)
    found = catalog.entries()
    for entry in found:
        if not entry.readable:
            print(f"sparring: skipped {entry.file}: {entry.error}", file=sys.stderr)
    stats = compute(found, config, task=options.task, flagship=flagship)
    if options.task and not stats.tasks:
        known = sorted({task for entry in found for task in entry.turn_tasks})
        listed = f"tasks with answers: {', '.join(known)}" if known else "no sessions yet"
        raise UsageError(
            f"no answers to the task '{options.task}' yet",
            hint=did_you_mean(options.task, known) or listed,
        )
    if flagship is not None and flagship.price is None:
        print(
            f"sparring: warning: no price known for {flagship.name}; "
            f'add [pricing."{flagship.name.partition(":")[2]}"] to the config',
            file=sys.stderr,
        )
    if options.json:
        print(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(stats))
    return 0
