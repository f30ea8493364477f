"""The answer columns side by side: adding, removing, finding, and marking shared ideas."""

from __future__ import annotations

from itertools import combinations

from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.dom import DOMNode

from sparring.config import Config
from sparring.items import match_items
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

    async def add(self) -> AnswerColumn:
        """A new column, with the first model of the config not shown yet."""
        config = self.config
        used = set(self.models)
        candidates = [*config.compare, *config.aliases, config.default_model, "local"]
        column = AnswerColumn(next((name for name in candidates if name not in used), ""), config)
        await self.mount(column)
        return column

    def mark_shared(self, turn_index: int) -> None:
        """Mark the items that two or more columns proposed in the same turn."""
        views = [
            view
            for column in self.columns
            for view in column.replies
            if view.turn_index == turn_index and view.reply is not None and view.reply.items
        ]
        shared: dict[int, dict[int, list[str]]] = {id(view): {} for view in views}
        for left, right in combinations(views, 2):
            assert left.reply is not None and right.reply is not None
            left_texts = [item.text for item in left.reply.items]
            right_texts = [item.text for item in right.reply.items]
            for i, j, _score in match_items(left_texts, right_texts):
                shared[id(left)].setdefault(i, []).append(right.model)
                shared[id(right)].setdefault(j, []).append(left.model)
        for view in views:
            view.mark(shared=shared[id(view)])
