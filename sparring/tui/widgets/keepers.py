"""The keepers list: the ideas the writer starred, to copy out or export.

The pane owns the session's keepers: the screen hands it what to keep, and
hears back (`Changed`) to redraw the stars and save.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from sparring.errors import CannotSave
from sparring.sessions.markdown import keepers_markdown
from sparring.sessions.model import Keeper, Session
from sparring.tui.export import default_export_path, write_markdown
from sparring.visible import visible

NOTHING_KEPT = "No keepers yet: star an item with Enter, or keep a passage with F4."


class KeepersPane(Vertical):
    BINDINGS = [
        Binding("c", "copy", "Copy all", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("delete,backspace", "remove", "Remove", show=False),
    ]

    class Changed(Message):
        """The keepers changed: stars to redraw, a session to save."""

    @dataclass
    class ExportAsked(Message):
        """The writer wants the keepers in a file: where, with `default` offered."""

        default: Path

    @dataclass
    class Exported(Message):
        text: str
        severity: str = "information"

    def __init__(self, session: Session, *, read_only: bool = False) -> None:
        # Out of the Tab order (draft, task, run, answers, follow-up): reached with
        # the mouse or the palette's "Keepers".
        super().__init__(id="keepers")
        self.can_focus_children = False
        self.session = session
        self.read_only = read_only
        #: Model -> what to call it instead: A and B while a blind vote hides the names.
        self.labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield OptionList(compact=True)

    def on_mount(self) -> None:
        self.show()

    @property
    def option_list(self) -> OptionList:
        return self.query_one(OptionList)

    def kept(self, model: str, turn: int) -> set[str]:
        """The texts kept from one reply."""
        return {k.text for k in self.session.keepers if k.model == model and k.turn == turn}

    def show(self) -> None:
        keepers = self.session.keepers
        self.border_title = f"Keepers ({len(keepers)})" if keepers else "Keepers"
        self.option_list.set_options(
            Option(
                Content.assemble(
                    "★ ",
                    visible(" ".join(k.text.split())),
                    (f"  {visible(self.labels.get(k.model, k.model))}", "dim"),
                )
            )
            for k in keepers
        )

    def relabel(self, labels: dict[str, str]) -> None:
        """Call the models by `labels` (A and B during a blind vote); {} for their names."""
        self.labels = dict(labels)
        self.show()

    def toggle(self, keeper: Keeper) -> None:
        if keeper in self.session.keepers:
            self.session.keepers.remove(keeper)
        else:
            self.session.keepers.append(keeper)
        self._changed()

    def add(self, keeper: Keeper) -> None:
        if keeper not in self.session.keepers:
            self.session.keepers.append(keeper)
            self._changed()

    def _changed(self) -> None:
        self.show()
        self.post_message(self.Changed())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "remove" and self.read_only)

    def action_remove(self) -> None:
        index = self.option_list.highlighted
        if index is not None and index < len(self.session.keepers):
            del self.session.keepers[index]
            self._changed()

    def action_copy(self) -> None:
        if not self.session.keepers:
            self.notify(NOTHING_KEPT)
            return
        self.app.copy_to_clipboard(keepers_markdown(self.session))
        self.notify(f"Copied {len(self.session.keepers)} keepers as Markdown.")

    def action_export(self) -> None:
        """Ask the screen where to write the keepers (it owns the dialogs)."""
        if not self.session.keepers:
            self.notify(NOTHING_KEPT)
            return
        self.post_message(self.ExportAsked(default_export_path(self.session)))

    def export_to(self, path: Path, default: Path) -> None:
        self.write_export(keepers_markdown(self.session), path)

    @work(thread=True, group="export", exit_on_error=False)
    def write_export(self, text: str, path: Path) -> None:
        try:
            write_markdown(text, path)
        except CannotSave as error:
            self.post_message(self.Exported(f"Not exported: {error.one_line()}", "error"))
        else:
            self.post_message(self.Exported(f"Keepers written to {path}"))

    def on_keepers_pane_exported(self, message: Exported) -> None:
        self.notify(message.text, severity=message.severity)  # type: ignore[arg-type]
