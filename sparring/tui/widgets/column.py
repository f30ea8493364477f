"""An answer column: its model, where it runs, its thread of replies, its figures."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from sparring.config import Config
from sparring.errors import SparringError
from sparring.figures import short_figures, where_label
from sparring.providers import expected_location, resolve
from sparring.sessions.model import Reply
from sparring.tui.widgets.reply import ReplyView
from sparring.tui.widgets.visible_text import VISIBLE
from sparring.visible import visible


def known_model_names(config: Config) -> list[str]:
    names = [config.default_model, *config.compare, *config.aliases, "local"]
    return list(dict.fromkeys(name for name in names if name))


class AnswerColumn(Vertical):
    """One model's side of the session."""

    @dataclass
    class ModelChanged(Message):
        column: AnswerColumn

        @property
        def control(self) -> AnswerColumn:
            return self.column

    def __init__(self, model: str, config: Config, *, read_only: bool = False) -> None:
        super().__init__(classes="column")
        self.initial_model = model
        self.config = config
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Input(
            self.initial_model,
            placeholder="model, e.g. local or ollama:qwen3:4b",
            suggester=SuggestFromList(known_model_names(self.config), case_sensitive=False),
            highlighter=VISIBLE,
            disabled=self.read_only,
            compact=True,
            classes="model",
        )
        yield Static("", markup=False, classes="blind-label")
        yield Static(self._expected_where(self.initial_model), markup=False, classes="where")
        yield VerticalScroll(classes="thread")
        yield Static("", markup=False, classes="figures")

    @property
    def model_input(self) -> Input:
        return self.query_one(".model", Input)

    @property
    def model(self) -> str:
        return self.model_input.value.strip()

    @property
    def thread(self) -> VerticalScroll:
        return self.query_one(".thread", VerticalScroll)

    @property
    def replies(self) -> list[ReplyView]:
        return list(self.thread.query_children(ReplyView))

    @property
    def latest(self) -> ReplyView | None:
        replies = self.replies
        return replies[-1] if replies else None

    async def add_reply(self, turn_index: int, model: str, heading: str, output: str) -> ReplyView:
        view = ReplyView(turn_index, model, heading, output)
        await self.thread.mount(view)
        return view

    def follow(self) -> None:
        """Keep the newest text in view once the thread is taller than the column.

        Anchored before that, Textual would push short content to the bottom.
        Scrolling up releases the anchor, as it should.
        """
        if not self.thread.is_anchored and self.thread.max_scroll_y > 0:
            self.thread.anchor()

    def set_blind(self, label: str | None) -> None:
        """Head the column with `label` alone (a blind turn), or with its model again (None).

        The model field, where it runs and the figures all tell the models apart.
        """
        blind = label is not None
        self.set_class(blind, "blind")
        self.query_one(".blind-label", Static).update(label or "")
        if blind:
            self.show_figures("")
            self.query_one(".where", Static).update("")

    def show_expected_where(self) -> None:
        self.query_one(".where", Static).update(self._expected_where(self.model))

    def show_reply(self, reply: Reply) -> None:
        """Head the column with how `reply` ended: where it ran, and its figures."""
        self.show_figures(short_figures(reply))
        if reply.backend:
            self.show_where(reply.location, reply.backend)
        else:
            self.show_expected_where()

    def show_where(self, location: str, backend: str = "") -> None:
        label = where_label(location)
        shown = f"{label} · {backend}" if backend else label
        self.query_one(".where", Static).update(visible(shown))

    def show_figures(self, text: str) -> None:
        figures = self.query_one(".figures", Static)
        # A layout of the whole screen each time the live figures change (4 times a
        # second) is not needed while the line still fits on one row.
        width = figures.content_region.width
        fits = 0 < len(text) <= width and 0 < len(str(figures.content)) <= width
        figures.update(text, layout=not fits)

    def _expected_where(self, model: str) -> str:
        if not model.strip():
            return "no model yet"
        try:
            return where_label(expected_location(resolve(model, self.config)))
        except SparringError as error:
            return visible(error.one_line())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not self.has_class("blind"):
            self.query_one(".where", Static).update(self._expected_where(event.value))
        self.post_message(self.ModelChanged(self))
