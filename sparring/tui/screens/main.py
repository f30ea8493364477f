"""The main screen: the draft, the task, the answer columns, the keepers, the prompt line.

A turn streams in one worker (`stream_turn`) that runs the engine, whose
listener only posts messages (streams.py): a reply `Began` (its LiveReply,
which holds its deltas), a reply `Ended` (finished by the engine),
`TurnDone`. A timer's `Frame` shows each stream's new deltas. The handlers
below are the only code that touches the widgets; what may be sent
(sending.py), blind turns (judging.py), keepers (keeping.py), the columns'
models (columns_and_models.py), loading them before the first run
(warming.py), drafts and sessions (drafts.py), long drafts in parts
(long_drafts.py) and the passages items are pinned to (pins.py) are plain
helpers.

The keys are laid out for the way a writer goes: Tab goes draft, task, Run,
each answer column, the follow-up line; ctrl+f jumps to the follow-up line,
Left and Right move between columns, F7 picks a column's model. The footer
shows what can be done now (Stop only while answers stream; only the vote
while a blind vote waits), its most important keys first, so that they stay
at 80 columns; the rest are in the palette (ctrl+p).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Select, Static

from sparring.egress import EgressGate, always
from sparring.engine import run_turn
from sparring.errors import CannotSave, NewerFormat
from sparring.figures import live_figures
from sparring.fitness import notes
from sparring.language import detect
from sparring.prompts import FREE_TEXT
from sparring.providers import resolve
from sparring.providers.local import LocalBackend  # light: llama_cpp loads on first use
from sparring.sessions.model import Context, Reply, Session, Turn, make_title
from sparring.sessions.saving import Saver
from sparring.sessions.turns import follow_up_turn, heading, task_turn
from sparring.tui.blind_mode import ANSWERING, VOTE_FIRST, VOTE_KEYS, BlindMode, blind_status
from sparring.tui.options import AppOptions
from sparring.tui.screens.columns_and_models import ColumnsAndModels
from sparring.tui.screens.drafts import Drafts
from sparring.tui.screens.judging import Judging
from sparring.tui.screens.keeping import Keeping
from sparring.tui.screens.long_drafts import LongDrafts, Planned, Task
from sparring.tui.screens.pins import Pins
from sparring.tui.screens.sending import Sending
from sparring.tui.screens.streams import (
    FIGURES_EVERY,
    FRAME,
    FRAME_BESIDE_EMBEDDED,
    TICK,
    AskEgress,
    Began,
    Ended,
    Frame,
    Notice,
    ScreenListener,
    Stream,
    TurnDone,
)
from sparring.tui.screens.warming import Warmed, Warming
from sparring.tui.widgets.column import AnswerColumn, Thread
from sparring.tui.widgets.columns import AnswerColumns
from sparring.tui.widgets.context import ContextPane
from sparring.tui.widgets.follow_up import FollowUpLine
from sparring.tui.widgets.footer import Footer
from sparring.tui.widgets.keepers import KeepersPane
from sparring.tui.widgets.reply import STATUS_LINES, ItemList, ReplyView
from sparring.tui.widgets.task import TaskPicker

if TYPE_CHECKING:
    from sparring.tui.dialogs.stats import StatsScreen

__all__ = ["FRAME", "FRAME_BESIDE_EMBEDDED", "MainScreen"]

EDITING_ACTIONS = {"run", "add_column", "remove_column", "open_file", "keep", "pick_model"}
#: Actions that wait while answers stream (the footer hides them meanwhile).
NOT_WHILE_RUNNING = {"run", "add_column", "remove_column", "open_file", "pick_model"}
#: Below this width the draft panel folds away when a task runs, to give the answers room.
NARROW = 100
#: From this width the footer also shows the keys the palette holds at 80 columns.
WIDE_FOOTER = 110
#: Keys the footer shows only from WIDE_FOOTER columns on.
WIDE_ONLY = {"toggle_draft", "open_file", "sessions"}
#: From this width the footer also shows ctrl+g (from an item to its passage): below it,
#: with every other key shown, Quit would fall off the right edge.
WIDEST_FOOTER = 120
WIDEST_ONLY = {"passage"}
VOTE_QUESTION = "Which is better?  a: A   b: B   t: tie   n: both bad"


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("f5", "run", "Run", priority=True),
        Binding("escape", "stop", "Stop"),
        Binding("escape", "close", "Close"),
        *(Binding(key, f"vote('{key}')", label) for key, label in VOTE_KEYS.items()),
        Binding("ctrl+f", "follow_up", "Follow"),
        Binding("f7", "pick_model", "Model"),
        Binding("f2", "add_column", "Add"),
        Binding("f4", "keep", "Keep"),
        Binding("ctrl+g", "passage", "Passage"),
        Binding("f8", "toggle_blind", "Blind"),
        Binding("f9", "toggle_stats", "Stats"),
        Binding("ctrl+b", "toggle_draft", "Draft"),
        Binding("ctrl+o", "open_file", "Open"),
        Binding("ctrl+r", "sessions", "Sessions"),
        # The app's own ctrl+q, bound here too so that the footer shows it before the
        # palette's entries (app bindings come last, and fall off at 80 columns).
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
        Binding("f3", "remove_column", "Drop column", show=False),
        Binding("f6", "cycle_think", "Think", show=False, priority=True),
    ]

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
        open_path: Path | None = None,
        run_at_once: bool = False,
    ) -> None:
        super().__init__()
        self.options = options
        self.session = session or Session(context=Context(context, list(sources)))
        self.read_only = read_only
        self.closable = closable
        self.initial_models = self.session.models or options.default_models(models)
        self.initial_task = self.session.task or task
        #: A file to read into the draft once the screen is up (a new session on it).
        self.open_path = open_path
        self.run_at_once = run_at_once
        self.saver = Saver(self.session, self._report_save_failure)
        self.sending = Sending(self)
        confirm = always if options.privacy.allow_cloud else self.sending.confirm_in_worker
        self.gate = EgressGate(self.session, confirm, options.config)
        self.stats_screen: StatsScreen | None = None
        self.running_turn: int | None = None
        self.streams: list[Stream] = []
        self._ticker: Timer | None = None
        self._figures_shown_at = 0.0
        self._drawn_at = 0.0
        self.judging = Judging(self)
        self.keeping = Keeping(self)
        self.columns_and_models = ColumnsAndModels(self)
        self.drafts = Drafts(self)
        self.long_drafts = LongDrafts(self)
        self.pins = Pins(self)
        self.warming = Warming(self)
        #: The next run's thinking setting (F6); None: the task's, else each model's.
        self.think_setting: str | None = None
        #: The writer folded or unfolded the draft panel: it stays as they left it.
        self.draft_pinned = False

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
            yield AnswerColumns(self.initial_models, self.options.config, read_only=self.read_only)
        yield Static(VOTE_QUESTION, id="vote")
        yield FollowUpLine(read_only=self.read_only)
        yield Footer(compact=True)

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
            # After the first frame: opening a backend imports its SDK, which would hold
            # the GIL while the screen is first drawn.
            self.call_after_refresh(self.warming.start, column)
        if self.read_only:
            self.columns[0].thread.focus()
            if self.closable:
                self.notify("A saved session, read-only: Escape goes back.")
        else:
            self.context_pane.text_area.focus()
        if self.open_path is not None:
            self.context_pane.read(self.open_path)
        if self.run_at_once:
            self.call_after_refresh(self.run_action, "run")

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.footer.wide = width >= WIDE_FOOTER
        hidden = set() if self.footer.wide else set(WIDE_ONLY)
        self.footer.hidden_actions = hidden if width >= WIDEST_FOOTER else hidden | WIDEST_ONLY

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

    @property
    def footer(self) -> Footer:
        return self.query_one(Footer)

    @property
    def side(self) -> Vertical:
        return self.query_one("#side", Vertical)

    @property
    def vote_question(self) -> Static:
        return self.query_one("#vote", Static)

    @property
    def blind(self) -> BlindMode:
        return self.judging.blind

    # --- what can be done now ------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return self.read_only and self.closable
        if action in ("toggle_blind", "vote"):
            return self.judging.allowed(action)
        if self.judging.voting and action not in ("toggle_stats", "toggle_draft"):
            return False  # the footer shows the vote alone
        if action == "stop":
            return not self.read_only and self.running_turn is not None
        if action == "passage":
            return self.pins.can_jump()
        if self.running_turn is not None and action in NOT_WHILE_RUNNING:
            return False
        if action in EDITING_ACTIONS or action == "follow_up":
            return not self.read_only
        return True

    def state_changed(self) -> None:
        """A turn began or ended, or a vote: the footer and the vote question follow."""
        self.refresh_bindings()
        self.vote_question.display = self.judging.voting

    # --- running a task or a follow-up --------------------------------------

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
            self.notify("`ask` needs a question: type it under the task.")
            self.task_picker.instruction_input.focus()
            return
        if self.session.turns and context != self.session.context.text:
            # One session, one draft: the earlier answers stay with the draft they answered.
            self.new_session(context, self.context_pane.sources, run=True)
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
        task = Task(prompt, context, instruction, self.think_setting)
        self._send(turn, columns, blind_run=self.judging.blind.armed, task=task)

    async def on_task_picker_run_pressed(self) -> None:
        await self.run_action("run")

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
        self._send(follow_up_turn(self.session, message.text, models, message.to), columns)

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
            self.notify("Two columns name the same model; change one (F7).", severity="warning")
            return False
        return True

    def _send(
        self,
        turn: Turn,
        columns: list[AnswerColumn],
        *,
        blind_run: bool = False,
        task: Task | None = None,
    ) -> None:
        """Ask about the cloud first if need be, then start the turn: a task's in sections
        when the draft does not fit (see long_drafts.py)."""
        self.running_turn = -1  # nothing else starts while the question is open
        models = [column.model for column in columns]

        def start(declined: bool) -> None:
            if task is not None and not blind_run:
                self.long_drafts.plan(task, turn, columns, declined)
                return
            self.run_worker(self.start_turn(turn, columns, blind_run=blind_run, declined=declined))

        self.sending.ask_first(turn, models, start)

    async def start_turn(
        self,
        turn: Turn,
        columns: list[AnswerColumn],
        *,
        blind_run: bool = False,
        declined: bool = False,
    ) -> None:
        """Show a reply per column, refuse the models that cannot run, stream the rest."""
        self.session.turns.append(turn)
        turn_index = len(self.session.turns) - 1
        if blind_run:
            columns = self.judging.begin(turn_index, columns)
        if self.size.width < NARROW and not self.draft_pinned and self.side.display:
            self.side.display = False
            self.notify("The draft is folded away to give the answers room: ctrl+b shows it.")
        asked, turn.replies = turn.replies, []
        refused: list[Reply] = []
        self.streams = []
        for reply, column in zip(asked, columns, strict=True):
            view = await column.add_reply(turn_index, reply.model, heading(turn), turn.output)
            column.show_latest()
            refusal = self.sending.refusal(reply.model, declined=declined)
            if refusal is not None:
                refused.append(refusal)
                await self._show_ended(column, view, refusal)
                continue
            turn.replies.append(reply)
            if not blind_run:  # a note names the model, which a blind run hides
                draft = self.session.context.text
                config = self.options.config
                ref = resolve(reply.model, config)  # it resolved: it was not refused
                view.note(notes(ref, turn.task, detect(draft), config))
            view.start(ANSWERING if blind_run else STATUS_LINES["streaming"])
            column.clear_figures()
            self.streams.append(Stream(reply, column, view))
        self.running_turn = turn_index
        self.state_changed()
        if self._ticker is not None:
            self._ticker.stop()
        self._ticker = self.set_interval(TICK, lambda: self.post_message(Frame()))
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
            self.post_message(Notice(f"A backend failed unexpectedly: {error!r}", "error"))
        finally:
            turn.replies.extend(refused)
            self.saver.save()
            self.post_message(TurnDone(turn_index))

    def on_ask_egress(self, message: AskEgress) -> None:
        self.sending.ask_late(message)

    def on_began(self, message: Began) -> None:
        if message.turn_index == self.running_turn:
            self.streams[message.reply_index].live = message.live

    def on_ended(self, message: Ended) -> None:
        if message.turn_index == self.running_turn:
            self.streams[message.reply_index].ended = message.reply

    async def on_turn_done(self, message: TurnDone) -> None:
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
        next_part = self.long_drafts.next_part()
        # -1 holds the next part's place: nothing else starts in between.
        self.running_turn = None if next_part is None else -1
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.sending.turn_ended()
        if next_part is not None:
            await self.long_drafts.run_next(next_part)
            return
        self.state_changed()
        if self.judging.voting:
            self.columns[0].thread.focus()  # out of any text field: a, b, t, n are the vote
        self.judging.refresh_stats()

    async def on_frame(self) -> None:
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
                width = stream.column.figures_width
                stream.column.show_figures(live_figures(stream.live, now, config, width))
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
        """Cancel the streams in flight, and the parts of a long draft not yet run; what
        they said so far stays."""
        self.long_drafts.stop()
        self.workers.cancel_group(self, "turn")

    def on_planned(self, message: Planned) -> None:
        self.long_drafts.planned(message)

    def action_close(self) -> None:
        self.dismiss()

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity)  # type: ignore[arg-type]

    def _report_save_failure(self, error: CannotSave | NewerFormat) -> None:
        text = error.one_line() if isinstance(error, CannotSave) else str(error)
        self.post_message(Notice(f"Not saved: {text}. The session stays in memory.", "error"))

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

    # --- moving around ---------------------------------------------------------

    def action_follow_up(self) -> None:
        self.follow_up.input.focus()

    def action_toggle_draft(self) -> None:
        """Fold the draft panel away (the answers take the width), or bring it back."""
        self.draft_pinned = True
        self.side.display = not self.side.display
        if self.side.display:
            self.context_pane.text_area.focus()

    def action_focus_keepers(self) -> None:
        self.side.display = True
        self.keepers_pane.option_list.focus()

    def on_thread_move(self, message: Thread.Move) -> None:
        column = self.answer_columns.of(message.thread)
        beside = self.answer_columns.beside(column, message.step) if column else None
        if beside is not None:
            beside.thread.focus()

    # --- blind turns, the vote and the stats (see judging.py) ---------------

    def action_toggle_blind(self) -> None:
        self.notify(self.judging.toggle_blind())

    def action_vote(self, key: str) -> None:
        self.judging.vote(key)
        self.state_changed()

    async def action_toggle_stats(self) -> None:
        from sparring.tui.dialogs.stats import StatsScreen

        def closed(_result: None) -> None:
            self.stats_screen = None

        self.stats_screen = StatsScreen()
        await self.app.push_screen(self.stats_screen, closed)
        self.judging.refresh_stats()

    @on(Select.Changed, "#task Select")
    def task_changed(self) -> None:
        self.judging.refresh_stats()

    # --- findings pinned to the draft (see pins.py) ---------------------------

    def on_item_list_pointed(self, message: ItemList.Pointed) -> None:
        self.pins.show(message.item_list, message.item)
        self.refresh_bindings()

    def action_passage(self) -> None:
        self.pins.jump()

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

    # --- columns and their models (see columns_and_models.py) -----------------

    def action_pick_model(self) -> None:
        if not self._busy():
            self.columns_and_models.pick_model()

    def on_answer_column_pick_model(self, message: AnswerColumn.PickModel) -> None:
        if not self._busy():
            self.columns_and_models.pick_model(message.column)

    def action_add_column(self) -> None:
        if not self._busy():
            self.columns_and_models.add_column()

    async def action_remove_column(self) -> None:
        if not self._busy():
            await self.columns_and_models.remove_column()

    def on_answer_column_model_changed(self, message: AnswerColumn.ModelChanged) -> None:
        self._targets_changed()
        self.warming.start(message.column)

    def on_warmed(self, message: Warmed) -> None:
        self.warming.show(message)

    def _targets_changed(self) -> None:
        self.columns_and_models.targets_changed()

    # --- files and sessions (see drafts.py) -------------------------------------

    def action_open_file(self) -> None:
        self.drafts.open_file()

    def new_session(self, text: str, sources: list[str], *, run: bool = False) -> None:
        self.drafts.new_session(text, sources, run=run)

    def action_sessions(self) -> None:
        self.drafts.browse()
