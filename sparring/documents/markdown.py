"""Writing a document's structure as Markdown, the one way every reader does.

Headings become `#` lines, paragraphs are separated by blank lines, list
items are `- ` or `1. ` lines (four spaces deeper per level), tables are
Markdown tables. The writer's words are kept as they are: nothing is
escaped, since the text goes to a model and into the draft pane, not to a
Markdown renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# C0 controls but tab and newline, and DEL: documents carry them (page and
# column breaks, stray bytes), and a draft has no use for them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """`text` with every run of whitespace, line breaks included, made one space."""
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Block:
    markdown: str
    list_id: str | None = None  # the list it is an item of
    nested: bool = False  # an item below the first level of its list


@dataclass
class MarkdownWriter:
    """Blocks of Markdown, added in reading order."""

    blocks: list[Block] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        text = one_line(text)
        if text:
            self.blocks.append(Block(f"{'#' * min(max(level, 1), 6)} {text}"))

    def paragraph(self, text: str) -> None:
        lines = [line.strip() for line in text.strip().splitlines()]
        if any(lines):
            self.blocks.append(Block("\n".join(lines)))

    def item(self, marker: str, depth: int, text: str, list_id: str = "") -> None:
        """A list item: `marker` is "-" or a number with its dot ("3.").

        Items of one list (`list_id`) follow each other line by line; a blank
        line separates two lists, unless the second is nested in the first.
        """
        text = one_line(text)
        if text:
            depth = max(depth, 0)
            self.blocks.append(Block(f"{'    ' * depth}{marker} {text}", list_id, depth > 0))

    def table(self, rows: list[list[str]]) -> None:
        """A Markdown table: the first row is its header."""
        cells = [[one_line(cell).replace("|", "\\|") for cell in row] for row in rows]
        cells = [row for row in cells if any(row)]
        if not cells:
            return
        width = max(len(row) for row in cells)
        cells = [row + [""] * (width - len(row)) for row in cells]
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + " --- |" * width)
        self.blocks.append(Block("\n".join(lines)))

    def text(self) -> str:
        """The Markdown: a blank line between blocks, none between items of one list."""
        parts: list[str] = []
        current_list: str | None = None
        for block in self.blocks:
            if parts:
                in_list = block.list_id is not None and current_list is not None
                tight = in_list and (block.nested or block.list_id == current_list)
                parts.append("\n" if tight else "\n\n")
            parts.append(block.markdown)
            if not block.nested:
                current_list = block.list_id
        return clean("".join(parts))


def clean(text: str) -> str:
    """`text` without control characters, and ending in one newline (or empty)."""
    text = _CONTROLS.sub("", text).strip()
    return f"{text}\n" if text else ""
