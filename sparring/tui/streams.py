"""The replies of the running turn, as the main screen follows them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sparring.config import Config
from sparring.items import items_of
from sparring.pricing import estimate_cost
from sparring.session import Reply
from sparring.tui.figures import LiveFigures
from sparring.tui.widgets.column import AnswerColumn
from sparring.tui.widgets.reply import ReplyView

ENDED = {"ok", "error", "interrupted"}


@dataclass
class Stream:
    """A reply of the running turn, where it is shown, and the text seen so far."""

    reply: Reply
    column: AnswerColumn
    view: ReplyView
    live: LiveFigures
    output: str
    parts: list[str] = field(default_factory=list)
    shown_ended: bool = False

    @property
    def has_ended(self) -> bool:
        return self.reply.status in ENDED

    def ended(self, config: Config) -> Reply:
        """The reply as it ended, for display while the rest of its turn still streams.

        The engine fills in the text, items and cost only when the whole turn
        is over; this copy has them already, from the deltas this screen saw.
        """
        text = "".join(self.parts)
        reply = self.reply
        cost = estimate_cost(
            self.live.model, reply.location, reply.input_tokens, reply.output_tokens, config
        )
        items = items_of(text) if self.output == "list" else []
        return replace(reply, text=text, items=items, cost=cost)
