"""The task picker: a prompt file, or `ask` with an instruction of the writer's own, and Run.

The instruction field is shown for `ask` (which needs one) and when a saved
turn had one; for the other tasks it stays out of the way (and out of the
Tab order), so a follow-up is never typed into it by mistake.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Select

from sparring.prompts import FREE_TEXT, Prompt, free_text_prompt
from sparring.tui.widgets.visible_text import VISIBLE
from sparring.visible import visible

DEFAULT_TASK = "headlines"


def default_task(prompts: dict[str, Prompt]) -> str:
    """Headlines, as on the command line, if the writer has not removed it."""
    return DEFAULT_TASK if DEFAULT_TASK in prompts else next(iter(prompts))


class TaskPicker(Vertical):
    class RunPressed(Message):
        """The Run button was pressed: the screen runs the task (as F5 does)."""

    def __init__(
        self, prompts: dict[str, Prompt], task: str | None, *, read_only: bool = False
    ) -> None:
        super().__init__(id="task")
        self.prompts = {**prompts, FREE_TEXT: prompts.get(FREE_TEXT, free_text_prompt())}
        self.initial_task = task if task in self.prompts else default_task(self.prompts)
        self.read_only = read_only
        self.border_title = "Task"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Select(
                [(Text(visible(name)), name) for name in self.prompts],
                value=self.initial_task,
                allow_blank=False,
                disabled=self.read_only,
                compact=True,
            )
            yield Button("Run", id="run", compact=True, disabled=self.read_only)
        yield Input(
            placeholder="what to ask about the draft",
            highlighter=VISIBLE,
            disabled=self.read_only,
            compact=True,
            classes="instruction",
        )

    def on_mount(self) -> None:
        self._show_instruction()

    def on_select_changed(self) -> None:
        self._show_instruction()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RunPressed())

    def _show_instruction(self) -> None:
        field = self.instruction_input
        field.display = str(self.select.value) == FREE_TEXT or bool(field.value)

    @property
    def select(self) -> Select[str]:
        return self.query_one(Select)

    @property
    def prompt(self) -> Prompt:
        return self.prompts[str(self.select.value)]

    @property
    def instruction_input(self) -> Input:
        return self.query_one(".instruction", Input)

    @property
    def instruction(self) -> str:
        return self.instruction_input.value.strip()

    def show_think(self, setting: str | None) -> None:
        """Say in the border how much the next run's models will think, when it is set."""
        self.border_title = f"Task · think {setting}" if setting else "Task"

    def show(self, task: str, instruction: str) -> None:
        if task in self.prompts:
            self.select.value = task
        self.instruction_input.value = instruction
        self._show_instruction()
