"""The task picker: a prompt file, or `ask` with an instruction of the writer's own."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select

from sparring.prompts import FREE_TEXT, Prompt, free_text_prompt


class TaskPicker(Vertical):
    def __init__(
        self, prompts: dict[str, Prompt], task: str | None, *, read_only: bool = False
    ) -> None:
        super().__init__(id="task")
        self.prompts = {**prompts, FREE_TEXT: prompts.get(FREE_TEXT, free_text_prompt())}
        self.initial_task = task if task in self.prompts else next(iter(self.prompts))
        self.read_only = read_only
        self.border_title = "Task"

    def compose(self) -> ComposeResult:
        yield Select(
            [(name, name) for name in self.prompts],
            value=self.initial_task,
            allow_blank=False,
            disabled=self.read_only,
            compact=True,
        )
        yield Input(
            placeholder="instruction (needed for ask)",
            disabled=self.read_only,
            compact=True,
            classes="instruction",
        )

    @property
    def select(self) -> Select[str]:
        return self.query_one(Select)

    @property
    def prompt(self) -> Prompt:
        return self.prompts[str(self.select.value)]

    @property
    def instruction(self) -> str:
        return self.query_one(".instruction", Input).value.strip()

    def show(self, task: str, instruction: str) -> None:
        if task in self.prompts:
            self.select.value = task
        self.query_one(".instruction", Input).value = instruction
