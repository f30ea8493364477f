"""The stats panel: this session's figures per model, and the recommendation for the task.

The session's figures are a pure function of the session in memory; the
recommendation reads every saved session, so a thread worker fetches it and
posts it back. Model names and texts are shown as plain text, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from sparring.config import Config
from sparring.errors import SparringError
from sparring.figures import money
from sparring.sessions.model import Session
from sparring.visible import visible

if TYPE_CHECKING:
    from sparring.judging.stats import ModelFigures, Stats

HIDDEN = "Figures hidden until you vote (a, b, t or n)."
LOADING = "…"


def model_line(figures: ModelFigures) -> str:
    """`local:SmolLM2… (as small) · local: 0.40 keepers/answer · ttft 0.25s · 30 tok/s · free`."""
    parts = []
    per_answer = figures.keepers_per_answer
    parts.append(f"{per_answer:.2f} keepers/answer" if per_answer is not None else "no answers")
    if figures.median_ttft is not None:
        parts.append(f"ttft {figures.median_ttft:.2f}s")
    if figures.median_tokens_per_second is not None:
        parts.append(f"{figures.median_tokens_per_second:.0f} tok/s")
    location = figures.location
    parts.append(money(None if figures.unpriced else figures.cost, location))
    return f"{figures.label} · {location}: " + " · ".join(parts)


def session_lines(stats: Stats) -> list[str]:
    lines = [model_line(figures) for task in stats.tasks for figures in task.models]
    if not lines:
        return ["No answers yet."]
    ledger = stats.ledger
    if ledger.cloud_answers or ledger.local_priced:
        lines.append(f"spent ${ledger.cloud_spent:.4f} · saved ${ledger.local_on_flagship:.4f}")
    return lines


class StatsPanel(Vertical):
    """This session's figures and the task's recommendation; the stats dialog (F9) holds it."""

    @dataclass
    class Recommended(Message):
        task: str
        text: str

    def __init__(self) -> None:
        super().__init__(id="stats")
        self.shown_task = ""

    def compose(self) -> ComposeResult:
        yield Static("", markup=False, classes="session-figures")
        yield Static("", markup=False, classes="recommendation")

    @property
    def session_figures(self) -> Static:
        return self.query_one(".session-figures", Static)

    @property
    def recommendation(self) -> Static:
        return self.query_one(".recommendation", Static)

    def show_stats(self, session: Session, config: Config, task: str, *, hidden: bool) -> None:
        """Redraw for `session` and `task`; `hidden` while a blind vote is still to be cast."""
        from sparring.judging.stats import for_session  # only once the panel is opened (F9)

        lines = [HIDDEN] if hidden else session_lines(for_session(session, config))
        self.session_figures.update(visible("\n".join(lines)))
        if task != self.shown_task:
            self.shown_task = task
            self.recommendation.update(LOADING)
        self.load_recommendation(task, config)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_recommendation(self, task: str, config: Config) -> None:
        try:
            from sparring.judging.stats import recommendation_for

            recommendations = recommendation_for(task, config)
        except (SparringError, OSError) as error:
            text = f"No recommendation: {error}"
        else:
            text = "\n".join(recommendation.text for recommendation in recommendations)
        self.post_message(self.Recommended(task, text))

    def on_stats_panel_recommended(self, message: Recommended) -> None:
        message.stop()
        if message.task == self.shown_task:
            self.recommendation.update(visible(message.text))
