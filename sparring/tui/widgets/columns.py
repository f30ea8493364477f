"""The answer columns side by side: adding, removing, finding, and marking shared ideas
and shared passages."""

from __future__ import annotations

import asyncio

from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.dom import DOMNode

from sparring.anchors import shared_passages
from sparring.config import Config
from sparring.items import shared_ideas
from sparring.tui.widgets.column import AnswerColumn


class AnswerColumns(Horizontal):
    def __init__(self, models: list[str], config: Config, *, read_only: bool = False) -> None:
        super().__init__(
            *(AnswerColumn(model, config, read_only=read_only) for model in models), id="columns"
        )
        self.config = config

    @property
    def columns(self) -> list[AnswerColumn]:
        return list(self.query_children(AnswerColumn))

    @property
    def models(self) -> list[str]:
        return [column.model for column in self.columns]

    def named(self, model: str) -> AnswerColumn | None:
        return next((column for column in self.columns if column.model == model), None)

    def of(self, node: DOMNode | None) -> AnswerColumn | None:
        """The column `node` is in, if any."""
        try:
            return node.query_ancestor(AnswerColumn) if node is not None else None
        except NoMatches:
            return None

    async def add(self, model: str) -> AnswerColumn:
        """A new column, for `model`, at the right."""
        column = AnswerColumn(model, self.config)
        await self.mount(column)
        return column

    def beside(self, column: AnswerColumn, step: int) -> AnswerColumn | None:
        """The column `step` places to the right of `column` (left when negative), if any."""
        columns = self.columns
        index = columns.index(column) + step
        return columns[index] if 0 <= index < len(columns) else None

    async def mark_shared(self, turn_index: int) -> None:
        """Mark the items that two or more columns proposed in the same turn, and those
        pinned to a passage of the draft another column's items are pinned to.

        Matching two long lists takes tens of milliseconds: in a thread, so the
        UI keeps drawing.
        """
        views = [
            view
            for column in self.columns
            for view in column.replies
            if view.turn_index == turn_index and view.reply is not None and view.reply.items
        ]
        answers = [(view.model, view.item_texts) for view in views]
        if len(answers) < 2:
            return
        marks = await asyncio.to_thread(shared_ideas, answers)
        pinned = [(view.model, view.reply.items) for view in views if view.reply is not None]
        passages = shared_passages(pinned)
        for view, shared, same_passage in zip(views, marks, passages, strict=True):
            view.mark(shared=shared, passages=same_passage)
