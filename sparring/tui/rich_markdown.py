"""Rich's Markdown renderer for answers: numbered items written `1.`, and no HTML.

Rich's parser reads inline HTML and then draws nothing for it, so a model's
`<<Title>>` or `<the draft>` would vanish; here such text stays text.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import ListItem, Markdown
from rich.segment import Segment


class NumberedItem(ListItem):
    def render_number(
        self, console: Console, options: ConsoleOptions, number: int, last_number: int
    ) -> RenderResult:
        width = len(str(last_number)) + 3  # the number, its period, a space on each side
        lines = console.render_lines(
            self.elements, options.update(width=options.max_width - width), style=self.style
        )
        number_style = console.get_style("markdown.item.number", default="none")
        numeral = Segment(f"{number}.".rjust(width - 1) + " ", number_style)
        padding = Segment(" " * width, number_style)
        for index, line in enumerate(lines):
            yield numeral if index == 0 else padding
            yield from line
            yield Segment("\n")


_PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")


class AnswerMarkdown(Markdown):
    elements = {**Markdown.elements, "list_item_open": NumberedItem}

    def __init__(self, markup: str) -> None:
        super().__init__("")
        self.markup = markup
        self.parsed = _PARSER.parse(markup)
