"""Turns as the app builds them: a task on every column, or a follow-up.

No Textual here, so the rules (which models can run, what a follow-up
carries) are plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.config import Config
from sparring.errors import SparringError, UsageError
from sparring.prompts import Prompt
from sparring.providers import ModelRef, expected_location, resolve
from sparring.session import Reply, Session, Turn

FOLLOW_UP = "follow-up"


@dataclass(frozen=True)
class Refused:
    """A column whose model cannot run at all, and why; shown in that column."""

    model: str
    error: SparringError

    def as_reply(self) -> Reply:
        return Reply(
            model=self.model,
            status="error",
            error=self.error.one_line(),
            exit_code=self.error.exit_code,
        )


def check_model(name: str, config: Config, *, local_only: bool) -> ModelRef | Refused:
    """The model a column names, or why it cannot run, before any connection."""
    if not name.strip():
        return Refused(name, UsageError("no model named", hint="type a model name, e.g. local"))
    try:
        ref = resolve(name, config)
    except SparringError as error:
        return Refused(name, error)
    if local_only and expected_location(ref) != "local":
        return Refused(
            name,
            UsageError(
                f"'{name}' ({ref.full_name}) is not on this machine; local-only refuses it",
                hint="pick a local model, or restart without --local-only",
            ),
        )
    return ref


def task_turn(prompt: Prompt, context: str, instruction: str, models: list[str]) -> Turn:
    return Turn(
        task=prompt.name,
        user=prompt.render(context, instruction=instruction),
        system=prompt.system,
        instruction=instruction,
        output=prompt.output,
        to="",
        replies=[Reply(model=model) for model in models],
    )


def follow_up_turn(session: Session, text: str, models: list[str], to: str = "") -> Turn:
    """A follow-up to every column (`to` empty) or to one model, in the last task's role."""
    system = next((turn.system for turn in reversed(session.turns) if turn.system), "")
    return Turn(
        task=FOLLOW_UP,
        user=text,
        system=system,
        output="text",
        to=to,
        replies=[Reply(model=model) for model in models],
    )


def heading(turn: Turn) -> str:
    """What a reply answers, as shown above it in its column."""
    if turn.task == FOLLOW_UP:
        return f"› {turn.user}"
    if turn.instruction:
        return f"{turn.task}: {turn.instruction}"
    return turn.task
