"""`sparring rerun` (re-spar): a saved session's turns again, on other models,
with an idea-level diff of the list answers."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from sparring import engine, items
from sparring.config import Config
from sparring.egress import Confirm, EgressGate, always, terminal_confirm
from sparring.pipe import Saver
from sparring.render import block
from sparring.session import Context, Reply, Session, Turn, make_title


@dataclass
class IdeaDiff:
    """The ideas of two answers to one turn: shared, only in the old, only in the new."""

    both: list[tuple[str, str]] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)


def diff_ideas(
    old: list[str], new: list[str], threshold: float = items.MATCH_THRESHOLD
) -> IdeaDiff:
    pairs = items.match_items(old, new, threshold)
    matched_old = {i for i, _j, _score in pairs}
    matched_new = {j for _i, j, _score in pairs}
    return IdeaDiff(
        both=[(old[i], new[j]) for i, j, _score in pairs],
        only_old=[text for index, text in enumerate(old) if index not in matched_old],
        only_new=[text for index, text in enumerate(new) if index not in matched_new],
    )


def ideas_of(turn: Turn) -> list[str]:
    """The distinct items of every reply to `turn`, folded across the replies."""
    texts = [item.text for reply in turn.replies for item in reply.items]
    if not texts:
        texts = [text for reply in turn.replies for text in items.parse_items(reply.text)]
    return [item.text for item in items.fold(texts)]


async def run_all(
    old: Session,
    new: Session,
    models: list[str],
    config: Config,
    saver: Saver,
    local_only: bool,
    confirm: Confirm,
) -> None:
    # One gate for the whole re-run: the writer is asked once, not per turn.
    gate = EgressGate(new, confirm, config)
    for old_turn in old.turns:
        turn = Turn(
            task=old_turn.task,
            user=old_turn.user,
            system=old_turn.system,
            instruction=old_turn.instruction,
            output=old_turn.output,
            replies=[Reply(model=model) for model in models],
        )
        new.turns.append(turn)
        await engine.run_turn(new, turn, config, checkpoint=saver, local_only=local_only, gate=gate)
        saver()


def diff_document(old: Session, new: Session, threshold: float) -> list[dict[str, Any]]:
    diffs = []
    for number, (old_turn, new_turn) in enumerate(zip(old.turns, new.turns, strict=True)):
        if old_turn.output != "list":
            continue
        diff = diff_ideas(ideas_of(old_turn), ideas_of(new_turn), threshold)
        diffs.append(
            {
                "turn": number,
                "task": old_turn.task,
                "both": diff.both,
                "only_old": diff.only_old,
                "only_new": diff.only_new,
            }
        )
    return diffs


def print_diff(diffs: list[dict[str, Any]], old: Session, new: Session) -> None:
    old_models = " vs ".join(old.models)
    new_models = " vs ".join(new.models)
    for diff in diffs:
        print(
            f"\n## ideas, turn {diff['turn'] + 1} ({diff['task']}): "
            f"{old_models} (old) vs {new_models} (new)"
        )
        print(f"both ({len(diff['both'])}):")
        for old_text, new_text in diff["both"]:
            same = old_text == new_text
            print(f"  = {old_text}" + ("" if same else f"  ~  {new_text}"))
        print(f"only old ({len(diff['only_old'])}):")
        for text in diff["only_old"]:
            print(f"  - {text}")
        print(f"only new ({len(diff['only_new'])}):")
        for text in diff["only_new"]:
            print(f"  + {text}")


def cmd_rerun(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring import store
    from sparring.cli import command_parser
    from sparring.engine import check_local_only
    from sparring.pipe import _report
    from sparring.providers import resolve

    parser = command_parser(
        "sparring rerun",
        "Run every turn of a saved session again on other models, save it as a new session "
        "linked to the old one, and show which ideas are new, kept or lost.",
    )
    parser.add_argument("session", help="an ID, a unique prefix of one, or a path")
    parser.add_argument(
        "-m",
        "--model",
        action="append",
        default=[],
        required=True,
        help="the model to run it on (repeat for a pair)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=items.MATCH_THRESHOLD,
        help="how alike two ideas must be to count as one, 0-100",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--local-only", action="store_true", help="refuse every model that is not on this machine"
    )
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="send the context to cloud models without asking first",
    )
    options = parser.parse_args(argv)
    config = config_module.load()
    local_only = options.local_only or config.privacy == "local-only"
    refs = [resolve(name, config) for name in options.model]
    if local_only:
        check_local_only(refs)
    old = store.open_session(options.session)
    new = Session(
        title=make_title(f"rerun {old.task}".strip(), old.context.text),
        context=Context(old.context.text, list(old.context.sources)),
        parent=old.id,
    )
    saver = Saver(new, enabled=True)
    allow = options.yes or config.privacy == "allow-cloud"
    confirm = always if allow else terminal_confirm
    asyncio.run(run_all(old, new, options.model, config, saver, local_only, confirm))
    diffs = diff_document(old, new, options.threshold)
    if options.json:
        from sparring.export import to_dict

        print(
            json.dumps(
                {"session": to_dict(new), "parent": old.id, "ideas": diffs},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for turn in new.turns:
            print(f"## {turn.task}\n")
            for reply in turn.replies:
                print(block(reply))
        print_diff(diffs, old, new)
    print(f"sparring: saved as session {new.id} (re-run of {old.id})", file=sys.stderr)
    codes = [_report(new, turn, saver, False, True) for turn in new.turns]
    return next((code for code in codes if code), 0)
