"""Long drafts, section by section: a draft too long for a column's model is offered in
parts that fit, and the parts run one after another.

A plain helper the main screen holds. What the models take is asked off the
UI thread (engine.prompt_room: a model without a `context` setting has its
backend opened and asked, which for Ollama is a request to its server); the
draft is split the one way (sessions.turns.section_turns), and each part is a
turn of the session, started, streamed and saved as every turn is. Once the
writer has said "Sections", the screen does not ask again. Escape stops the
part that runs and the ones after it. A blind run takes the whole draft: its
vote is about one turn.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from sparring import sections
from sparring.engine import prompt_room
from sparring.prompts import Prompt
from sparring.sessions.model import Turn
from sparring.sessions.turns import section_turns

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen
    from sparring.tui.widgets.column import AnswerColumn


@dataclass(frozen=True)
class Task:
    """What F5 asked for, enough to split it: the task, the draft, and how it was asked."""

    prompt: Prompt
    context: str
    instruction: str = ""
    think: str | None = None


@dataclass
class Planned(Message):
    """The turns a run is (one: the whole draft), and the model whose room split it;
    `turns` None: the writer stopped it while the models were asked."""

    turns: list[Turn] | None
    columns: list[AnswerColumn]
    declined: bool
    prompt_tokens: int = 0
    model: str = ""
    room: int = 0


class LongDrafts:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: The writer chose sections once: long drafts are split without asking again.
        self.chosen = False
        #: The parts still to run, with their columns and the cloud answer.
        self.waiting: list[Turn] = []
        self._columns: list[AnswerColumn] = []
        self._declined = False

    def plan(self, task: Task, turn: Turn, columns: list[AnswerColumn], declined: bool) -> None:
        """Ask the columns' models how much they take, off the UI thread; the screen is told
        the turns to run (`Planned`)."""
        self.screen.run_worker(
            self._plan(task, turn, columns, declined),
            group="turn",
            exclusive=True,
            exit_on_error=False,
        )

    async def _plan(
        self, task: Task, turn: Turn, columns: list[AnswerColumn], declined: bool
    ) -> None:
        screen = self.screen
        runnable = [
            column.model
            for column in columns
            if screen.sending.refusal(column.model, declined=declined) is None
        ]
        try:
            rooms = await self._rooms(runnable)
        except asyncio.CancelledError:
            screen.post_message(Planned(None, columns, declined))
            raise
        whole = Planned([turn], columns, declined)
        if not rooms:
            screen.post_message(whole)
            return
        model, room = min(rooms, key=lambda pair: pair[1])
        parts = section_turns(
            task.prompt,
            task.context,
            [reply.model for reply in turn.replies],
            room,
            instruction=task.instruction,
            think=task.think,
            seed=turn.seed,
        )
        if len(parts) == 1:
            screen.post_message(whole)
            return
        prompt_tokens = sections.tokens(turn.system + turn.user)
        screen.post_message(Planned(parts, columns, declined, prompt_tokens, model, room))

    async def _rooms(self, models: list[str]) -> list[tuple[str, int]]:
        """(model, tokens of prompt it takes) for each model whose window can be known.

        A model that cannot be asked (its server down) is left out: its column
        says why when the turn runs.
        """
        options = self.screen.options
        rooms: list[tuple[str, int]] = []
        for model in models:
            try:
                room = await prompt_room(
                    [model], options.config, backend_factory=options.backend_factory
                )
            except asyncio.CancelledError:
                raise
            except Exception:  # a backend's failure is said by the turn, in its column
                continue
            if room is not None:
                rooms.append((model, room))
        return rooms

    def planned(self, message: Planned) -> None:
        """Run the whole draft, or offer its parts (once), or stop."""
        from sparring.tui.dialogs.sections import SectionsScreen, offer

        screen = self.screen
        turns = message.turns
        if turns is None:
            self._nothing_runs()
            return
        if len(turns) == 1 or self.chosen:
            self._run(turns, message.columns, message.declined)
            return

        def answered(run: bool | None) -> None:
            if run and turns is not None:
                self.chosen = True
                self._run(turns, message.columns, message.declined)
            else:
                self._nothing_runs()

        question = offer(message.prompt_tokens, message.model, message.room, len(turns))
        screen.app.push_screen(SectionsScreen(question), answered)

    def _run(self, turns: list[Turn], columns: list[AnswerColumn], declined: bool) -> None:
        first, *self.waiting = turns
        self._columns, self._declined = columns, declined
        screen = self.screen
        screen.run_worker(screen.start_turn(first, columns, declined=declined))

    def next_part(self) -> Turn | None:
        """The next part to run once a turn is done, or None."""
        return self.waiting.pop(0) if self.waiting else None

    async def run_next(self, turn: Turn) -> None:
        await self.screen.start_turn(turn, self._columns, declined=self._declined)

    def stop(self) -> None:
        """The writer stopped: the parts not yet run are not run."""
        self.waiting = []

    def _nothing_runs(self) -> None:
        screen = self.screen
        screen.running_turn = None
        screen.state_changed()
