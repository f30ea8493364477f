"""The main screen: the draft, the task, the answer columns, the keepers, the prompt line.

A turn streams in one worker (`stream_turn`) that runs the engine, whose
listener only posts messages: a reply `Began` (its LiveReply, which holds its
deltas), a reply `Ended` (finished by the engine), `TurnDone`. A timer's
`Frame` shows each stream's new deltas. The handlers below are the only code
that touches the widgets; blind turns and keepers are plain helpers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Select

from sparring.egress import EgressGate, EgressRequest, Refused, always, check_model
from sparring.engine import LiveReply, TurnListener, run_turn
from sparring.errors import CannotSave, NewerFormat
from sparring.figures import live_figures, thinking_progress
from sparring.fitness import notes
from sparring.language import detect
from sparring.prompts import FREE_TEXT
from sparring.providers.local import LocalBackend  # light: llama_cpp loads on first use
from sparring.sessions.model import Context, Reply, Session, Turn, make_title
from sparring.sessions.saving import Saver
from sparring.sessions.turns import follow_up_turn, heading, task_turn
from sparring.tui.blind_mode import ANSWERING, VOTE_FIRST, VOTE_KEYS, BlindMode, blind_status
from sparring.tui.options import AppOptions
from sparring.tui.screens.judging import Judging
from sparring.tui.screens.keeping import Keeping
from sparring.tui.widgets.column import AnswerColumn
from sparring.tui.widgets.columns import AnswerColumns
from sparring.tui.widgets.context import ContextPane
from sparring.tui.widgets.follow_up import FollowUpLine
from sparring.tui.widgets.keepers import KeepersPane
from sparring.tui.widgets.reply import STATUS_LINES, ItemList, ReplyView
from sparring.tui.widgets.stats_panel import StatsPanel
from sparring.tui.widgets.task import TaskPicker

if TYPE_CHECKING:
    from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen

FRAME = 0.1  # seconds between redraws of the answers while they stream: each costs a layout
# While the embedded model generates (in this process, on the same cores), the
# answers are redrawn less often: each redraw takes CPU and the GIL from it.
FRAME_BESIDE_EMBEDDED = 0.15
TICK = 0.05  # the clock both frame rates are counted on
FIGURES_EVERY = 0.25  # seconds between redraws of the live figures
EDITING_ACTIONS = {"run", "add_column", "remove_column", "open_file", "keep"}


@dataclass
class Stream:
    """A reply of the running turn, where it is shown, and how much of it is shown."""

    reply: Reply
    column: AnswerColumn
    view: ReplyView
    live: LiveReply | None = None  # the engine's, once the reply began
    shown_parts: int = 0
    shown_thinking: int = 0
    ended: Reply | None = None  # the reply as the engine finished it
    shown_ended: bool = False

    def flush(self, now: float) -> None:
        """Hand the view the deltas (and the thinking) that came since the last frame."""
        live = self.live
        if live is None:
            return
        if len(live.thinking_parts) != self.shown_thinking:
            self.shown_thinking = len(live.thinking_parts)
            text = "".join(live.thinking_parts) if self.view.thinking.expanded else ""
            self.view.thinking.show(thinking_progress(live, now), text)
        if len(live.parts) == self.shown_parts:
            return
        self.view.append("".join(live.parts[self.shown_parts :]))
        self.shown_parts = len(live.parts)


class ScreenListener(TurnListener):
    """The engine's listener for one turn: it posts messages, and saves at checkpoints."""

    def __init__(self, screen: MainScreen, turn_index: int) -> None:
        self.screen = screen
        self.turn_index = turn_index

    def began(self, index: int, live: LiveReply) -> None:
        self.screen.post_message(MainScreen.Began(self.turn_index, index, live))

    def ended(self, index: int, reply: Reply) -> None:
        self.screen.post_message(MainScreen.Ended(self.turn_index, index, reply))

    def notice(self, text: str) -> None:
        self.screen.post_message(MainScreen.Notice(text, "warning"))

    def checkpoint(self) -> None:
        self.screen.saver.save()


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("f5", "run", "Run task", priority=True),
        Binding("escape", "stop", "Stop"),
        Binding("escape", "close", "Close"),
        Binding("ctrl+o", "open_file", "Open file"),
        Binding("ctrl+r", "sessions", "Sessions"),
        Binding("f2", "add_column", "Add column"),
        Binding("f3", "remove_column", "Drop column"),
        Binding("f4", "keep", "Keep"),
        Binding("f6", "cycle_think", "Think", show=False, priority=True),
        Binding("f8", "toggle_blind", "Blind"),
        Binding("f9", "toggle_stats", "Stats", show=False),
        *(Binding(key, f"vote('{key}')", label) for key, label in VOTE_KEYS.items()),
    ]

    @dataclass
    class Began(Message):
        turn_index: int
        reply_index: int
        live: LiveReply

    @dataclass
    class Ended(Message):
        turn_index: int
        reply_index: int
        reply: Reply

    @dataclass
    class TurnDone(Message):
        turn_index: int

    class Frame(Message):
        """Time to redraw the streams; posted by a timer, handled in turn with the rest."""

    @dataclass
    class Notice(Message):
        """Something a worker wants the writer to know."""

        text: str
        severity: str = "information"

    @dataclass
    class AskEgress(Message):
        """The worker waits on `answer` until the writer allows (or refuses) sending."""

        request: EgressRequest
        answer: asyncio.Future[bool]

    def __init__(
        self,
        options: AppOptions,
        *,
        session: Session | None = None,
        context: str = "",
        sources: list[str] | tuple[str, ...] = (),
        models: list[str] | tuple[str, ...] = (),
        task: str | None = None,
        read_only: bool = False,
        closable: bool = False,
    ) -> None:
        super().__init__()
        self.options = options
        self.session = session or Session(context=Context(context, list(sources)))
        self.read_only = read_only
        self.closable = closable
        self.initial_models = self.session.models or options.default_models(models)
        self.initial_task = self.session.task or task
        self.saver = Saver(self.session, self._report_save_failure)
        confirm = always if options.privacy.allow_cloud else self._ask_egress
        self.gate = EgressGate(self.session, confirm, options.config)
        self._egress_screen: ConfirmEgressScreen | None = None
        self.running_turn: int | None = None
        self.streams: list[Stream] = []
        self._ticker: Timer | None = None
        self._figures_shown_at = 0.0
        self._drawn_at = 0.0
        self.judging = Judging(self)
        self.keeping = Keeping(self)
        #: The next run's thinking setting (F6); None: the task's, else each model's.
        self.think_setting: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="side"):
                yield ContextPane(
                    self.session.context.text,
                    self.session.context.sources,
                    max_chars=self.options.config.max_context_chars,
                    read_only=self.read_only,
                )
                yield TaskPicker(self.options.prompts, self.initial_task, read_only=self.read_only)
                yield KeepersPane(self.session, read_only=self.read_only)
                yield StatsPanel()
            yield AnswerColumns(self.initial_models, self.options.config, read_only=self.read_only)
        yield FollowUpLine(read_only=self.read_only)
        yield Footer()

    async def on_mount(self) -> None:
        if self.session.turns:
            first = self.session.turns[0]
            self.task_picker.show(first.task, first.instruction)
        for turn_index, turn in enumerate(self.session.turns):
            for reply in turn.replies:
                column = self.answer_columns.named(reply.model)
                if column is not None:
                    view = await column.add_reply(
                        turn_index, reply.model, heading(turn), turn.output
                    )
                    await self._show_ended(column, view, reply)
            await self.answer_columns.mark_shared(turn_index)
        self._targets_changed()
        for column in self.columns:
            self.call_after_refresh(column.follow)
        if self.read_only:
            self.columns[0].thread.focus()
        else:
            self.context_pane.text_area.focus()

    # --- the parts -------------------------------------------------------

    @property
    def context_pane(self) -> ContextPane:
        return self.query_one(ContextPane)

    @property
    def task_picker(self) -> TaskPicker:
        return self.query_one(TaskPicker)

    @property
    def keepers_pane(self) -> KeepersPane:
        return self.query_one(KeepersPane)

    @property
    def stats_panel(self) -> StatsPanel:
        return self.query_one(StatsPanel)

    @property
    def follow_up(self) -> FollowUpLine:
        return self.query_one(FollowUpLine)

    @property
    def answer_columns(self) -> AnswerColumns:
        return self.query_one(AnswerColumns)

    @property
    def columns(self) -> list[AnswerColumn]:
        return self.answer_columns.columns

    @property
    def blind(self) -> BlindMode:
        return self.judging.blind

    # --- running a task or a follow-up --------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in EDITING_ACTIONS or action == "stop":
            return not self.read_only
        if action == "close":
            return self.read_only and self.closable
        if action in ("toggle_blind", "vote"):
            return self.judging.allowed(action)
        return True

    async def action_run(self) -> None:
        if self._busy():
            return
        context = self.context_pane.text
        prompt = self.task_picker.prompt
        instruction = self.task_picker.instruction
        if not context.strip():
            self.notify("The draft is empty: type or paste it, or open a file (ctrl+o).")
            self.context_pane.text_area.focus()
            return
        if prompt.name == FREE_TEXT and not instruction:
            self.notify("`ask` needs an instruction: type it under the task.")
            self.task_picker.instruction_input.focus()
            return
        columns = self.columns
        if not self._distinct_models(columns):
            return
        if not self.judging.can_run(columns):
            self.notify(
                "Blind needs exactly two columns whose models can run; fix them or press F8.",
                severity="warning",
            )
            return
        self.session.context = Context(context, list(self.context_pane.sources))
        self.session.title = self.session.title or make_title(prompt.name, context)
        models = [column.model for column in columns]
        turn = task_turn(prompt, context, models, instruction=instruction, think=self.think_setting)
        await self._start(turn, columns, blind_run=self.judging.blind.armed)

    async def on_follow_up_line_submitted(self, message: FollowUpLine.Submitted) -> None:
        if self.read_only or self._busy():
            return
        if not self.session.turns:
            self.notify("Run a task first (F5); a follow-up continues its conversation.")
            return
        columns = [c for c in self.columns if not message.to or c.model == message.to]
        if not columns:
            self.notify(f"No column shows {message.to} any more; pick another.")
            return
        if not self._distinct_models(columns):
            return
        models = [column.model for column in columns]
        self.follow_up.input.clear()
        await self._start(follow_up_turn(self.session, message.text, models, message.to), columns)

    def _busy(self) -> bool:
        if self.running_turn is None and self.judging.blind.vote is not None:
            self.notify(VOTE_FIRST, severity="warning")
            return True
        if self.running_turn is not None:
            self.notify("Still answering: wait, or press Escape to stop.", severity="warning")
        return self.running_turn is not None

    def _distinct_models(self, columns: list[AnswerColumn]) -> bool:
        models = [column.model for column in columns if column.model]
        if len(models) != len(set(models)):
            self.notify("Two columns name the same model; change one.", severity="warning")
            return False
        return True

    async def _start(
        self, turn: Turn, columns: list[AnswerColumn], *, blind_run: bool = False
    ) -> None:
        """Show a reply per column, refuse the models that cannot run, stream the rest."""
        options = self.options
        self.session.turns.append(turn)
        turn_index = len(self.session.turns) - 1
        if blind_run:
            columns = self.judging.begin(turn_index, columns)
        asked, turn.replies = turn.replies, []
        refused: list[Reply] = []
        self.streams = []
        for reply, column in zip(asked, columns, strict=True):
            view = await column.add_reply(turn_index, reply.model, heading(turn), turn.output)
            ref = check_model(reply.model, options.config, options.privacy)
            if isinstance(ref, Refused):
                refused.append(ref.as_reply())
                await self._show_ended(column, view, refused[-1])
                continue
            turn.replies.append(reply)
            if not blind_run:
                draft = self.session.context.text
                view.note(notes(ref, turn.task, detect(draft), options.config))
            view.start(ANSWERING if blind_run else STATUS_LINES["streaming"])
            column.show_figures("")
            self.streams.append(Stream(reply, column, view))
        self.running_turn = turn_index
        if self._ticker is not None:
            self._ticker.stop()
        self._ticker = self.set_interval(TICK, lambda: self.post_message(self.Frame()))
        self.stream_turn(turn_index, refused)

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def stream_turn(self, turn_index: int, refused: list[Reply]) -> None:
        turn = self.session.turns[turn_index]
        try:
            if turn.replies:
                await run_turn(
                    self.session,
                    turn,
                    self.options.config,
                    listener=ScreenListener(self, turn_index),
                    gate=self.gate,
                    privacy=self.options.privacy,
                    backend_factory=self.options.backend_factory,
                )
        except Exception as error:  # a backend's bug must not take the session down with it
            for reply in turn.replies:
                if reply.status in ("streaming", "cancelled"):
                    reply.status = "error"
                    reply.error = f"unexpected failure: {error!r}"
            self.post_message(self.Notice(f"A backend failed unexpectedly: {error!r}", "error"))
        finally:
            turn.replies.extend(refused)
            self.saver.save()
            self.post_message(self.TurnDone(turn_index))

    async def _ask_egress(self, request: EgressRequest) -> bool:
        """Called by the engine, in the worker: ask the writer through the screen."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.post_message(self.AskEgress(request, answer))
        return await answer

    def on_main_screen_ask_egress(self, message: AskEgress) -> None:
        from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen

        def answered(send: bool | None) -> None:
            self._egress_screen = None
            if not message.answer.done():
                message.answer.set_result(bool(send))

        dialog = ConfirmEgressScreen(message.request)
        self._egress_screen = dialog
        self.app.push_screen(dialog, answered)

    def on_main_screen_began(self, message: Began) -> None:
        if message.turn_index == self.running_turn:
            self.streams[message.reply_index].live = message.live

    def on_main_screen_ended(self, message: Ended) -> None:
        if message.turn_index == self.running_turn:
            self.streams[message.reply_index].ended = message.reply

    async def on_main_screen_turn_done(self, message: TurnDone) -> None:
        for stream in self.streams:
            stream.flush(time.monotonic())
            await self._show_ended(stream.column, stream.view, stream.ended or stream.reply)
        if self.judging.blind.hides(message.turn_index) and not self.judging.blind.votable(
            self.session
        ):
            self.notify("An answer failed, so there is no fair vote: " + self.judging.reveal())
        await self.answer_columns.mark_shared(message.turn_index)
        for stream in self.streams:
            self.call_after_refresh(stream.column.follow)
        self.streams = []
        self.running_turn = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self._egress_screen is not None:
            # The turn was stopped while the question was open; it no longer needs an answer.
            self._egress_screen.dismiss(False)
        self.judging.refresh_stats()

    async def on_main_screen_frame(self) -> None:
        """Show each stream's new text, and each reply that has ended.

        The live figures are redrawn a few times a second, not every frame.
        """
        now = time.monotonic()
        if now - self._drawn_at < self.redraw_interval() - TICK / 2:
            return
        self._drawn_at = now
        config = self.options.config
        show_figures = now - self._figures_shown_at >= FIGURES_EVERY
        if show_figures:
            self._figures_shown_at = now
        if self.judging.blind.holding(self.session, self.running_turn):
            return
        for stream in self.streams:
            if stream.shown_ended:
                continue
            stream.flush(now)
            if stream.ended is not None:
                stream.shown_ended = True
                await self._show_ended(stream.column, stream.view, stream.ended)
                continue
            if (
                show_figures
                and stream.live is not None
                and not self.judging.blind.hides(self.running_turn)
            ):
                stream.column.show_figures(live_figures(stream.live, now, config))
                stream.column.follow()

    def redraw_interval(self) -> float:
        """Seconds between redraws of the streaming answers (see FRAME_BESIDE_EMBEDDED)."""
        embedded = any(
            stream.reply.backend.partition(":")[0] == LocalBackend.provider
            for stream in self.streams
            if stream.ended is None
        )
        return FRAME_BESIDE_EMBEDDED if embedded else FRAME

    async def _show_ended(self, column: AnswerColumn, view: ReplyView, reply: Reply) -> None:
        await view.finish(reply, self.keeping.kept(reply.model, view.turn_index))
        if self.judging.blind.hides(view.turn_index):
            view.status.update(blind_status(reply))
        else:
            column.show_reply(reply)

    def action_stop(self) -> None:
        """Cancel the streams in flight; what they said so far stays."""
        self.workers.cancel_group(self, "turn")

    def action_close(self) -> None:
        self.dismiss()

    def on_main_screen_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity)  # type: ignore[arg-type]

    def _report_save_failure(self, error: CannotSave | NewerFormat) -> None:
        text = error.one_line() if isinstance(error, CannotSave) else str(error)
        self.post_message(self.Notice(f"Not saved: {text}. The session stays in memory.", "error"))

    @work(group="save", exit_on_error=False)
    async def save_soon(self) -> None:
        self.saver.save()

    def action_cycle_think(self) -> None:
        """How much the next run's reasoning models think: default, off, low, medium, high."""
        order: list[str | None] = [None, "off", "low", "medium", "high"]
        self.think_setting = order[(order.index(self.think_setting) + 1) % len(order)]
        self.task_picker.show_think(self.think_setting)
        said = self.think_setting or "each task's or model's default"
        self.notify(f"Thinking for the next run: {said}.")

    # --- blind turns, the vote and the stats (see judging.py) ---------------

    def action_toggle_blind(self) -> None:
        self.notify(self.judging.toggle_blind())

    def action_vote(self, key: str) -> None:
        self.judging.vote(key)

    def action_toggle_stats(self) -> None:
        self.stats_panel.toggle_class("shown")
        self.judging.refresh_stats()

    @on(Select.Changed, "#task Select")
    def task_changed(self) -> None:
        self.judging.refresh_stats()

    # --- keepers (see keeping.py) --------------------------------------------

    def on_item_list_keep_toggled(self, message: ItemList.KeepToggled) -> None:
        self.keeping.toggle(message.item_list, message.text)

    def action_keep(self) -> None:
        self.keeping.keep()

    def on_keepers_pane_changed(self) -> None:
        self.keeping.show_stars()
        self.save_soon()
        self.judging.refresh_stats()

    def action_copy_keepers(self) -> None:
        self.keepers_pane.action_copy()

    def action_export_keepers(self) -> None:
        self.keepers_pane.action_export()

    def on_keepers_pane_export_asked(self, message: KeepersPane.ExportAsked) -> None:
        from sparring.tui.dialogs.ask_path import AskPathScreen

        def export(path: Path | None) -> None:
            if path is not None:
                self.keepers_pane.export_to(path, message.default)

        dialog = AskPathScreen("Export the keepers as Markdown to", message.default)
        self.app.push_screen(dialog, export)

    # --- columns -----------------------------------------------------------

    async def action_add_column(self) -> None:
        if self._busy():
            return
        column = await self.answer_columns.add()
        column.model_input.focus()
        self._targets_changed()

    async def action_remove_column(self) -> None:
        if self._busy():
            return
        columns = self.columns
        if len(columns) == 1:
            self.notify("The last column stays.")
            return
        column = self.answer_columns.of(self.focused) or columns[-1]
        await column.remove()
        self._targets_changed()

    def on_answer_column_model_changed(self, message: AnswerColumn.ModelChanged) -> None:
        self._targets_changed()

    def _targets_changed(self) -> None:
        self.follow_up.set_targets(self.answer_columns.models)

    # --- files and sessions --------------------------------------------------

    def action_open_file(self) -> None:
        from sparring.tui.dialogs.open_file import OpenFileScreen

        def opened(path: Path | None) -> None:
            if path is not None:
                self.context_pane.read(path)

        self.app.push_screen(OpenFileScreen(), opened)

    def action_sessions(self) -> None:
        def chosen(session: Session | None) -> None:
            if session is not None:
                self.app.push_screen(
                    MainScreen(self.options, session=session, read_only=True, closable=True)
                )

        from sparring.tui.dialogs.browser import SessionBrowser  # the catalog: on demand

        self.app.push_screen(SessionBrowser(), chosen)
