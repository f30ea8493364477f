"""`sparring stats`: is the small model good enough? The report, or its JSON."""

from __future__ import annotations

import json
import sys

from sparring import config as config_module
from sparring import config_edit
from sparring.cli.parsing import add_json_flag, command_parser
from sparring.errors import UsageError, did_you_mean
from sparring.judging.ledger import fixed_flagship
from sparring.judging.report import render_text
from sparring.judging.stats import Stats, compute
from sparring.sessions import catalog
from sparring.visible import json_visible, visible


def run(argv: list[str]) -> int:
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
    add_json_flag(parser)
    routing = parser.add_mutually_exclusive_group()
    routing.add_argument(
        "--route",
        metavar="TASK",
        help="make the local model that is good enough for TASK its default (in config.toml)",
    )
    routing.add_argument(
        "--unroute", metavar="TASK", help="undo --route: TASK runs on default_model again"
    )
    options = parser.parse_args(argv)
    config = config_module.load()
    if options.unroute:
        path = config_edit.clear_task_model(options.unroute)
        print(
            visible(f"sparring: {options.unroute} runs on the default model again ({path})"),
            file=sys.stderr,
        )
        return 0
    flagship = fixed_flagship(config, options.flagship)
    found = catalog.entries()
    for entry in found:
        if not entry.readable:
            print(visible(f"sparring: skipped {entry.file}: {entry.error}"), file=sys.stderr)
    stats = compute(found, config, task=options.task or options.route, flagship=flagship)
    if options.task and not stats.tasks:
        known = sorted({task for entry in found for task in entry.turn_tasks})
        listed = f"tasks with answers: {', '.join(known)}" if known else "no sessions yet"
        raise UsageError(
            f"no answers to the task '{options.task}' yet",
            hint=did_you_mean(options.task, known) or listed,
        )
    if flagship is not None and flagship.price is None:
        print(
            visible(
                f"sparring: warning: no price known for {flagship.name}; "
                f'add [pricing."{flagship.name.partition(":")[2]}"] to the config'
            ),
            file=sys.stderr,
        )
    if options.route:
        return _route(stats, options.route)
    if options.json:
        print(json_visible(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2)))
    else:
        sys.stdout.write(visible(render_text(stats)))
    return 0


def _route(stats: Stats, task: str) -> int:
    """Make the task's good-enough local model its default, and say how to undo it."""
    local = stats.route_for(task)
    if local is None:
        verdicts = [r.text for t in stats.tasks if t.task == task for r in t.recommendations]
        raise UsageError(
            f"no local model is good enough for '{task}' yet",
            hint=verdicts[0] if verdicts else f"no answers to '{task}' yet",
        )
    path = config_edit.set_task_model(task, local)
    print(
        visible(
            f"sparring: {task} now runs on {local} when no model is named ({path}); "
            f"undo: sparring stats --unroute {task}"
        ),
        file=sys.stderr,
    )
    return 0
