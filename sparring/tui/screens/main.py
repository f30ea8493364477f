"""The main screen: the draft, the task, the answer columns, the keepers, the prompt line.

A turn streams in one worker (`stream_turn`), which only posts messages:
`Delta` for each piece of text, `TurnDone` when every reply has ended. The
handlers below are the only code that touches the widgets.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer

from sparring.egress import EgressGate, EgressRequest, always
from sparring.engine import build_request, run_turn
from sparring.prompts import FREE_TEXT
from sparring.providers import expected_location
from sparring.providers.base import estimate_tokens
from sparring.providers.local import LocalBackend  # light: llama_cpp loads on first use
from sparring.session import Context, Reply, Session, Turn, make_title
from sparring.tui.blind_mode import (
    ANSWERING,
    VOTE_FIRST,
    VOTE_KEYS,
    BlindMode,
    blind_status,
    show_reply_header,
)
from sparring.tui.figures import LiveFigures
from sparring.tui.options import AppOptions
from sparring.tui.saving import SessionSaver
from sparring.tui.screens.confirm_egress import ConfirmEgressScreen
from sparring.tui.screens.keeping import KeepingScreen
from sparring.tui.streams import Stream
from sparring.tui.turns import Refused, check_model, follow_up_turn, heading, task_turn
from sparring.tui.widgets.column import AnswerColumn
from sparring.tui.widgets.columns import AnswerColumns
from sparring.tui.widgets.context import ContextPane
from sparring.tui.widgets.follow_up import FollowUpLine
from sparring.tui.widgets.keepers import KeepersPane
from sparring.tui.widgets.reply import STATUS_LINES, ReplyView
from sparring.tui.widgets.stats_panel import StatsPanel
from sparring.tui.widgets.task import TaskPicker

FRAME = 0.1  # seconds between redraws of the answers while they stream: each costs a layout
# While the embedded model generates (in this process, on the same cores), the
# answers are redrawn less often: each redraw takes CPU and the GIL from it.
FRAME_BESIDE_EMBEDDED = 0.15
TICK = 0.05  # the clock both frame rates are counted on
FIGURES_EVERY = 0.25  # seconds between redraws of the live figures
EDITING_ACTIONS = {"run", "add_column", "remove_column", "open_file", "keep"}


class MainScreen(KeepingScreen):
    BINDINGS = [
        Binding("f5", "run", "Run task", priority=True),
        Binding("escape", "stop", "Stop"),
        Binding("escape", "close", "Close"),
        Binding("ctrl+o", "open_file", "Open file"),
        Binding("ctrl+r", "sessions", "Sessions"),
        Binding("f2", "add_column", "Add column"),
        Binding("f3", "remove_column", "Drop column"),
        Binding("f4", "keep", "Keep"),
        Binding("f8", "toggle_blind", "Blind"),
        Binding("f9", "toggle_stats", "Stats", show=False),
        *(Binding(key, f"vote('{key}')", label) for key, label in VOTE_KEYS.items()),
    ]

    @dataclass
    class Delta(Message):
        turn_index: int
        reply_index: int
        text: str

    @dataclass
    class TurnDone(Message):
        turn_index: int

    class Frame(Message):
        """Time to redraw the streams; posted by a timer, handled in turn with the deltas."""

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
        self.saver = SessionSaver(self.session, self._report_save_failure)
        allowed = options.config.privacy == "allow-cloud"
        self.gate = EgressGate(
            self.session, always if allowed else self._ask_egress, options.config
        )
        self._egress_screen: ConfirmEgressScreen | None = None
        self.running_turn: int | None = None
        self.streams: list[Stream] = []
        self._ticker: Timer | None = None
        self._figures_shown_at = 0.0
        self._drawn_at = 0.0
        self.blind = BlindMode()

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
    def follow_up(self) -> FollowUpLine:
        return self.query_one(FollowUpLine)

    @property
    def answer_columns(self) -> AnswerColumns:
        return self.query_one(AnswerColumns)

    @property
    def columns(self) -> list[AnswerColumn]:
        return self.answer_columns.columns

    # --- running a task or a follow-up --------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in EDITING_ACTIONS or action == "stop":
            return not self.read_only
        if action == "close":
            return self.read_only and self.closable
        if action in ("toggle_blind", "vote"):
            return self.judging_allowed(action)
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
        if not self._distinct_models(columns) or not self._can_run_blind(columns):
            return
        self.session.context = Context(context, list(self.context_pane.sources))
        self.session.title = self.session.title or make_title(prompt.name, context)
        turn = task_turn(prompt, context, instruction, [column.model for column in columns])
        await self._start(turn, columns, blind_run=self.blind.armed)

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
        if self.running_turn is None and self.blind.vote is not None:
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
        config = self.options.config
        self.session.turns.append(turn)
        turn_index = len(self.session.turns) - 1
        if blind_run:
            columns = self.blind.begin(self.session, turn_index, columns)
        asked, turn.replies = turn.replies, []
        refused: list[Reply] = []
        self.streams = []
        now = time.monotonic()
        for reply, column in zip(asked, columns, strict=True):
            view = await column.add_reply(turn_index, reply.model, heading(turn), turn.output)
            ref = check_model(reply.model, config, local_only=self.options.only_local)
            if isinstance(ref, Refused):
                refused.append(ref.as_reply())
                await self._show_ended(column, view, refused[-1])
                continue
            turn.replies.append(reply)
            view.start(ANSWERING if blind_run else STATUS_LINES["streaming"])
            request = build_request(self.session, turn, reply.model, config)
            input_tokens = sum(estimate_tokens(message.content) for message in request.messages)
            live = LiveFigures(ref.model, expected_location(ref), input_tokens, started=now)
            column.show_figures("")
            self.streams.append(Stream(reply, column, view, live, turn.output))
        self.running_turn = turn_index
        if self._ticker is not None:
            self._ticker.stop()
        self._ticker = self.set_interval(TICK, lambda: self.post_message(self.Frame()))
        self.stream_turn(turn_index, refused)

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def stream_turn(self, turn_index: int, refused: list[Reply]) -> None:
        turn = self.session.turns[turn_index]

        def on_delta(reply_index: int, text: str) -> None:
            self.post_message(self.Delta(turn_index, reply_index, text))

        try:
            if turn.replies:
                await run_turn(
                    self.session,
                    turn,
                    self.options.config,
                    on_delta=on_delta,
                    checkpoint=self.saver.save,
                    local_only=self.options.only_local,
                    backend_factory=self.options.backend_factory,
                    gate=self.gate,
                    on_notice=lambda text: self.post_message(self.Notice(text, "warning")),
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
        def answered(send: bool | None) -> None:
            self._egress_screen = None
            if not message.answer.done():
                message.answer.set_result(bool(send))

        self._egress_screen = ConfirmEgressScreen(message.request)
        self.app.push_screen(self._egress_screen, answered)

    def on_main_screen_delta(self, message: Delta) -> None:
        if message.turn_index != self.running_turn:
            return
        stream = self.streams[message.reply_index]
        stream.parts.append(message.text)
        stream.live.add(message.text, time.monotonic())
        stream.view.add(message.text)

    async def on_main_screen_turn_done(self, message: TurnDone) -> None:
        for stream in self.streams:
            await self._show_ended(stream.column, stream.view, stream.reply)
        if self.blind.hides(message.turn_index) and not self._votable():
            self.notify("An answer failed, so there is no fair vote: " + self._reveal())
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
        self.refresh_stats()

    async def on_main_screen_frame(self) -> None:
        """Feed each stream's new text to its Markdown, and show each reply that has ended.

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
        if self.blind.holding(self.session, self.running_turn):
            return
        for stream in self.streams:
            if stream.shown_ended:
                continue
            if stream.has_ended:
                stream.shown_ended = True
                # Folding a long list takes tens of milliseconds: not on the UI thread.
                ended = await asyncio.to_thread(stream.ended, config)
                await self._show_ended(stream.column, stream.view, ended)
                continue
            stream.view.flush()
            if show_figures and not self.blind.hides(self.running_turn):
                stream.column.show_figures(stream.live.render(now, config))
                stream.column.follow()

    def redraw_interval(self) -> float:
        """Seconds between redraws of the streaming answers (see FRAME_BESIDE_EMBEDDED)."""
        embedded = any(
            stream.reply.backend.partition(":")[0] == LocalBackend.provider
            for stream in self.streams
            if not stream.has_ended
        )
        return FRAME_BESIDE_EMBEDDED if embedded else FRAME

    async def _show_ended(self, column: AnswerColumn, view: ReplyView, reply: Reply) -> None:
        await view.finish(reply, self._kept(reply.model, view.turn_index))
        if self.blind.hides(view.turn_index):
            view.status.update(blind_status(reply))
        else:
            show_reply_header(column, reply)

    def action_stop(self) -> None:
        """Cancel the streams in flight; what they said so far stays."""
        self.workers.cancel_group(self, "turn")

    def action_close(self) -> None:
        self.dismiss()

    def on_main_screen_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity)  # type: ignore[arg-type]

    def _report_save_failure(self, text: str) -> None:
        self.post_message(self.Notice(text, "error"))

    @work(group="save", exit_on_error=False)
    async def save_soon(self) -> None:
        self.saver.save()

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
        self.context_pane.open_file()

    def action_sessions(self) -> None:
        def chosen(session: Session | None) -> None:
            if session is not None:
                self.app.push_screen(
                    MainScreen(self.options, session=session, read_only=True, closable=True)
                )

        from sparring.tui.screens.browser import SessionBrowser  # the catalog: on demand

        self.app.push_screen(SessionBrowser(), chosen)
