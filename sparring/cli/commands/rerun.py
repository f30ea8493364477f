"""`sparring rerun` (re-spar): a saved session's turns again, on other models,
with an idea-level diff of the list answers."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from sparring import engine, items
from sparring.cli.output import show_line
from sparring.cli.parsing import (
    add_json_flag,
    add_privacy_flags,
    add_session_argument,
    command_parser,
)
from sparring.cli.pipe import Output, PipeListener, report, session_saver
from sparring.cli.render import block
from sparring.cli.terminal import terminal_confirm
from sparring.config import Config, Privacy
from sparring.egress import EgressGate, always, check_local_only
from sparring.sessions.markdown import turn_title
from sparring.sessions.model import Session
from sparring.sessions.saving import Saver
from sparring.sessions.turns import again, ideas_with_models, new_session
from sparring.visible import json_visible, visible


async def run_all(
    old: Session, new: Session, models: list[str], config: Config, saver: Saver, privacy: Privacy
) -> None:
    # One gate for the whole re-run: the writer is asked once, not per turn.
    gate = EgressGate(new, always if privacy.allow_cloud else terminal_confirm, config)
    listener = PipeListener(Output(sys.stdout), saver, single=False, view=None)
    for old_turn in old.turns:
        turn = again(old_turn, models)
        new.turns.append(turn)
        await engine.run_turn(new, turn, config, listener=listener, gate=gate, privacy=privacy)
        saver()


def diff_document(old: Session, new: Session, threshold: float) -> list[dict[str, Any]]:
    """Per list turn: the ideas both runs had, those only the old one had (with the models
    that proposed them), and those only the new one had (likewise)."""
    diffs = []
    for number, (old_turn, new_turn) in enumerate(zip(old.turns, new.turns, strict=True)):
        if old_turn.output != "list":
            continue
        old_ideas = dict(ideas_with_models(old_turn))
        new_ideas = dict(ideas_with_models(new_turn))
        diff = items.diff_ideas(list(old_ideas), list(new_ideas), threshold)
        diffs.append(
            {
                "turn": number,
                "task": old_turn.task,
                "old_models": [reply.model for reply in old_turn.replies],
                "new_models": [reply.model for reply in new_turn.replies],
                "both": diff.both,
                "only_old": [{"text": t, "models": old_ideas[t]} for t in diff.only_old],
                "only_new": [{"text": t, "models": new_ideas[t]} for t in diff.only_new],
            }
        )
    return diffs


def print_diff(diffs: list[dict[str, Any]], old: Session) -> None:
    for diff in diffs:
        show_line(
            f"\n## ideas, turn {diff['turn'] + 1} ({diff['task']}): "
            f"session {old.id} asked {', '.join(diff['old_models'])}; "
            f"this re-run asked {', '.join(diff['new_models'])}"
        )
        show_line(f"both ({len(diff['both'])}):")
        for old_text, new_text in diff["both"]:
            same = old_text == new_text
            show_line(f"  = {old_text}" + ("" if same else f"  ~  {new_text}"))
        for kind, mark in (("old", "-"), ("new", "+")):
            ideas_only = diff[f"only_{kind}"]
            show_line(f"only {kind} ({len(ideas_only)}):")
            for idea in ideas_only:
                show_line(f"  {mark} {idea['text']}  ({', '.join(idea['models'])})")


def answered(session: Session) -> bool:
    """Some model of the re-run said something: there is a comparison to show and keep."""
    return any(reply.text for turn in session.turns for reply in turn.replies)


def run(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring.providers import resolve
    from sparring.sessions import store
    from sparring.sessions.toml_format import to_dict

    parser = command_parser(
        "sparring rerun",
        "Run every turn of a saved session again on other models, save it as a new session "
        "linked to the old one, and show which ideas are new, kept or lost.",
    )
    add_session_argument(parser)
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
    add_json_flag(parser)
    add_privacy_flags(parser)
    options = parser.parse_args(argv)
    config = config_module.load()
    privacy = Privacy.resolve(config, local_only=options.local_only, yes=options.yes)
    refs = [resolve(name, config) for name in options.model]
    if privacy.local_only:
        check_local_only(refs)
    old = store.open_session(options.session)
    new = new_session(old.context.text, old.context.sources, task=f"rerun {old.task}".strip())
    new.parent = old.id
    saver = session_saver(new, enabled=True)
    asyncio.run(run_all(old, new, options.model, config, saver, privacy))
    if not answered(new):
        return _nothing_to_compare(new, saver)
    diffs = diff_document(old, new, options.threshold)
    if options.json:
        document = {"session": to_dict(new), "parent": old.id, "ideas": diffs}
        print(json_visible(json.dumps(document, ensure_ascii=False, indent=2)))
    else:
        show_line(f"# re-run of session {old.id} on {', '.join(options.model)}\n")
        for number, turn in enumerate(new.turns, start=1):
            show_line(f"## {number}. {turn_title(turn)}\n")
            for reply in turn.replies:
                show_line(block(reply, turn.count))
        print_diff(diffs, old)
    print(visible(f"sparring: saved as session {new.id} (re-run of {old.id})"), file=sys.stderr)
    codes = [report(new, turn, saver, False, True) for turn in new.turns]
    return next((code for code in codes if code), 0)


def _nothing_to_compare(new: Session, saver: Saver) -> int:
    """Every model failed before a word: no comparison, no session; one line each, and why."""
    if saver.path is not None:
        saver.path.unlink(missing_ok=True)
    failures = [reply for turn in new.turns for reply in turn.replies]
    reasons = dict.fromkeys(f"{reply.model}: {reply.error or reply.status}" for reply in failures)
    for reason in reasons:
        print(visible(f"sparring: {reason}"), file=sys.stderr)
    print(
        "sparring: nothing to compare: no model of the re-run answered; no session was saved",
        file=sys.stderr,
    )
    return next((reply.exit_code for reply in failures if reply.exit_code), 1)
