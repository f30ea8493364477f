"""An answer column: its model, where it runs, its thread of replies, its figures.

The model's name heads the column as a label (cut with an ellipsis when the
column is narrow); a click on it, or F7, asks the screen for the model picker.
The thread is the column's one scroll: replies, their items and their
thinking scroll with it, and Tab stops at the thread, not at every reply in it
(Enter or Down goes into the newest reply's items; Left and Right go to the
next column).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from sparring.available import missing_key
from sparring.config import Config
from sparring.errors import SparringError
from sparring.figures import short_figures, where_label
from sparring.providers import expected_location, resolve
from sparring.sessions.model import Reply
from sparring.tui.hints import said
from sparring.tui.widgets.reply import ReplyView
from sparring.visible import visible

#: What an empty column says, so a new writer knows the next step.
EMPTY = "F5 runs the task here. F7 picks another model, F2 adds one to compare."


class Thread(VerticalScroll):
    """A column's replies: one scroll, one stop for Tab."""

    BINDINGS = [
        Binding("enter,down", "enter_items", "Items", show=False),
        Binding("left", "column(-1)", "Previous column", show=False),
        Binding("right", "column(1)", "Next column", show=False),
    ]

    @dataclass
    class Move(Message):
        """Go to the column `step` away (-1 left, 1 right)."""

        thread: Thread
        step: int

    def allow_focus_children(self) -> bool:
        """The items of a reply join the focus chain only once focus is inside the thread."""
        focused = self.screen.focused
        return focused is not None and focused is not self and self in focused.ancestors

    def action_enter_items(self) -> None:
        """Into the newest reply that has items; at the end of the thread, scroll down."""
        lists = [view.item_list for view in self.query(ReplyView) if view.item_list.display]
        if lists and self.scroll_y >= self.max_scroll_y:
            lists[-1].focus()
        else:
            self.scroll_down()

    def action_column(self, step: int) -> None:
        self.post_message(self.Move(self, step))


class ModelLabel(Static):
    """The column's model: a click asks for the picker."""

    @dataclass
    class Clicked(Message):
        label: ModelLabel

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Clicked(self))


class AnswerColumn(Vertical):
    """One model's side of the session."""

    @dataclass
    class ModelChanged(Message):
        column: AnswerColumn

        @property
        def control(self) -> AnswerColumn:
            return self.column

    @dataclass
    class PickModel(Message):
        """The writer wants another model in this column (a click on its name)."""

        column: AnswerColumn

    def __init__(self, model: str, config: Config, *, read_only: bool = False) -> None:
        super().__init__(classes="column")
        self._model = model
        self.config = config
        self.read_only = read_only
        #: The reply whose figures the column shows, fitted again to a new width.
        self.figures_of: Reply | None = None
        #: The model whose load ahead of a run the figures line says, until a run begins.
        self.load_of: str | None = None

    def compose(self) -> ComposeResult:
        yield ModelLabel(visible(self._model) or "no model yet", markup=False, classes="model")
        yield Static("", markup=False, classes="blind-label")
        yield Static(self._expected_where(self._model), markup=False, classes="where")
        with Thread(classes="thread"):
            yield Static("" if self.read_only else EMPTY, markup=False, classes="empty")
        yield Static("", markup=False, classes="figures")

    @property
    def model(self) -> str:
        return self._model.strip()

    def set_model(self, model: str) -> None:
        """Show `model` in this column from the next run on."""
        self._model = model
        self.query_one(".model", Static).update(visible(model) or "no model yet")
        if not self.has_class("blind"):
            self.show_expected_where()
        self.post_message(self.ModelChanged(self))

    @property
    def thread(self) -> Thread:
        return self.query_one(".thread", Thread)

    @property
    def replies(self) -> list[ReplyView]:
        return list(self.thread.query_children(ReplyView))

    @property
    def latest(self) -> ReplyView | None:
        replies = self.replies
        return replies[-1] if replies else None

    async def add_reply(self, turn_index: int, model: str, heading: str, output: str) -> ReplyView:
        view = ReplyView(turn_index, model, heading, output)
        self.thread.query(".empty").remove()
        await self.thread.mount(view)
        return view

    def follow(self) -> None:
        """Keep the newest text in view once the thread is taller than the column.

        Anchored before that, Textual would push short content to the bottom.
        Scrolling up releases the anchor, as it should.
        """
        if not self.thread.is_anchored and self.thread.max_scroll_y > 0:
            self.thread.anchor()

    def show_latest(self) -> None:
        """Bring the newest reply into view as it starts, wherever the writer had scrolled."""

        def scroll() -> None:
            thread = self.thread
            if thread.max_scroll_y > 0:
                thread.anchor(False)
                thread.anchor()  # to the end, where the new reply is, and following it again

        self.call_after_refresh(scroll)

    def hide_before(self, turn_index: int | None) -> None:
        """Hide the replies to turns before `turn_index` (a blind turn); None shows them all."""
        for view in self.replies:
            view.display = turn_index is None or view.turn_index >= turn_index

    def set_blind(self, label: str | None) -> None:
        """Head the column with `label` alone (a blind turn), or with its model again (None).

        The model's name, where it runs and the figures all tell the models apart.
        """
        blind = label is not None
        self.set_class(blind, "blind")
        self.query_one(".blind-label", Static).update(label or "")
        if blind:
            self._end_load()
            self.show_figures("")
            self.query_one(".where", Static).update("")

    def show_expected_where(self) -> None:
        self.query_one(".where", Static).update(self._expected_where(self.model))

    def show_reply(self, reply: Reply) -> None:
        """Head the column with how `reply` ended: where it ran, and its figures."""
        self.figures_of = reply
        self._end_load()
        self.show_figures(short_figures(reply, self.figures_width))
        if reply.backend:
            self.show_where(reply.location, reply.backend)
        else:
            self.show_expected_where()

    def show_where(self, location: str, backend: str = "") -> None:
        label = where_label(location)
        shown = f"{label} · {backend}" if backend else label
        self.query_one(".where", Static).update(visible(shown))

    @property
    def figures_width(self) -> int | None:
        """The width the figures line has, once the column is laid out."""
        width = self.query_one(".figures", Static).content_region.width
        return width or None

    def clear_figures(self) -> None:
        self.figures_of = None
        self._end_load()
        self.show_figures("")

    def show_load(self, model: str, text: str, *, failed: bool = False) -> None:
        """Say on the figures line how loading `model` ahead of a run goes; a failure
        shows whole, in the error colour."""
        self.figures_of = None
        self.load_of = model
        self.query_one(".figures", Static).set_class(failed, "failed")
        self.show_figures(visible(text))

    def forget_load(self) -> None:
        """The figures line no longer speaks of a load (a model with nothing to load)."""
        if self.load_of is not None:
            self.clear_figures()

    def _end_load(self) -> None:
        self.load_of = None
        self.query_one(".figures", Static).remove_class("failed")

    def show_figures(self, text: str) -> None:
        figures = self.query_one(".figures", Static)
        # A layout of the whole screen each time the live figures change (4 times a
        # second) is not needed while the line still fits on one row.
        width = figures.content_region.width
        fits = 0 < len(text) <= width and 0 < len(str(figures.content)) <= width
        figures.update(text, layout=not fits)

    def on_resize(self) -> None:
        """A new width: the last figures fitted to it again, once it is laid out."""
        if self.figures_of is not None:
            self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.figures_of is not None and not self.has_class("blind"):
            self.show_figures(short_figures(self.figures_of, self.figures_width))

    def _expected_where(self, model: str) -> str:
        if not model.strip():
            return "no model yet: F7 picks one"
        try:
            location = where_label(expected_location(resolve(model, self.config)))
        except SparringError as error:
            return visible(said(error.one_line()))
        needed = missing_key(model, self.config)
        return f"{location} · needs {needed}" if needed else location

    def on_model_label_clicked(self, event: ModelLabel.Clicked) -> None:
        event.stop()
        if not self.read_only:
            self.post_message(self.PickModel(self))
