"""An answer as Markdown, drawn a block at a time: streamed in, and shown once it ended.

Textual's Markdown widget mounts a widget per block and has the screen laid
out again on each append; late in a long answer that took about 70 ms a
frame, the cost grew with every paragraph, and showing a finished
2,000-token answer mounted some 170 widgets at once (over 150 ms). Here an
answer is one widget of cached lines: a block is rendered (with Rich's
Markdown) once, when the next block begins, and a frame re-renders only the
open block at the end. What a frame costs no longer depends on how long the
answer has grown, and a long session stays as light as a short one.

Outside a code fence, a block ends at a blank line followed by a line that
is not indented (an indented line continues a list item), or before a line
that starts a list item, so that a long list is drawn an item at a time.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

FENCES = ("```", "~~~")
# While an answer streams, its height grows this many lines at a time: the screen
# is laid out again (the costly part of a frame) once per step, not once per line.
GROWTH_STEP = 6
LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])[ \t]")
BLANK_AT_END = re.compile(r"\n[ \t]*\n\s*$")


def block_end(text: str) -> int | None:
    """Where the first finished block of `text` ends (where the next one starts), if any."""
    fence = ""
    start = 0
    seen_text = after_blank = False
    while start < len(text):
        end = text.find("\n", start)
        line = text[start:] if end == -1 else text[start:end]
        stripped = line.strip()
        if after_blank and stripped:
            if not line[0].isspace():
                return start
            after_blank = False  # an indented line goes on with the block
        elif seen_text and not fence and LIST_ITEM.match(line):
            return start
        if end == -1:
            break
        if fence:
            if stripped.startswith(fence):
                fence = ""
        elif stripped.startswith(FENCES):
            fence = stripped[:3]
        elif not stripped:
            after_blank = seen_text
        seen_text = seen_text or bool(stripped)
        start = end + 1
    return None


class LiveText(Widget):
    DEFAULT_CSS = """
    LiveText {
        height: auto;
    }
    """

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._source = ""  # everything shown, as given
        self._blocks: list[str] = []  # the finished blocks, as sent
        self._gaps: list[bool] = []  # whether a blank line followed each one
        self._open = ""  # the text after them
        self._width = 0
        self._block_lines: list[Strip] = []  # the finished blocks, rendered at _width
        self._open_lines: list[Strip] = []
        # Lines as drawn (styled, cut to width), by y: a frame draws only what changed.
        self._drawn: dict[int, Strip] = {}
        self._drawn_for: tuple[int, Style] | None = None
        self._streaming = False

    @property
    def source(self) -> str:
        return self._source

    @property
    def streaming(self) -> bool:
        return self._streaming

    @streaming.setter
    def streaming(self, streaming: bool) -> None:
        """While streaming, the height keeps some blank lines in hand (see GROWTH_STEP)."""
        if streaming != self._streaming:
            self._streaming = streaming
            self.refresh(layout=True)

    def append(self, text: str) -> None:
        """Add streamed text and redraw what it changed."""
        if not text:
            return
        self._source += text
        self._open += text
        closed: list[tuple[str, bool]] = []
        while (end := block_end(self._open)) is not None:
            block = self._open[:end]
            closed.append((block.strip("\n"), bool(BLANK_AT_END.search(block))))
            self._open = self._open[end:]
        height = self._height()
        changed_from = len(self._block_lines)
        for block, gap in closed:
            if self._width:
                self._block_lines.extend(self._render_block(block, self._gap_before()))
            self._blocks.append(block)
            self._gaps.append(gap)
        if self._width:
            self._open_lines = self._render_open()
        for y in [y for y in self._drawn if y >= changed_from]:
            del self._drawn[y]
        new_height = self._height()
        rows = max(new_height, height) - changed_from
        changed = Region(0, changed_from, max(self._width, 1), rows)
        self.refresh(changed, layout=new_height != height)

    def set_text(self, text: str) -> None:
        """Show `text`: only its rest, if it goes on from what was streamed."""
        source = self.source
        if text.startswith(source):
            self.append(text[len(source) :])
            return
        self._source, self._blocks, self._gaps, self._open = "", [], [], ""
        self._block_lines, self._open_lines = [], []
        self._drawn.clear()
        self.append(text)
        self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._layout_at(width)
        return self._height()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._layout_at(width)
        style = self.rich_style
        if self._drawn_for != (width, style):
            self._drawn.clear()
            self._drawn_for = (width, style)
        line = self._drawn.get(y)
        if line is None:
            line = self._line(y).apply_style(style).crop_extend(0, width, style)
            self._drawn[y] = line
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            end = width if end == -1 else end
            selected = self.screen.get_component_rich_style("screen--selection")
            parts = line.divide([start, end, width])
            if len(parts) == 3:
                marked = Strip(Segment.apply_style(parts[1], post_style=selected))
                line = Strip.join([parts[0], marked, parts[2]])
        return line.apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        lines = self._block_lines + self._open_lines
        return selection.extract("\n".join(line.text.rstrip() for line in lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def _line(self, y: int) -> Strip:
        if y < len(self._block_lines):
            return self._block_lines[y]
        y -= len(self._block_lines)
        return self._open_lines[y] if y < len(self._open_lines) else Strip.blank(self._width)

    def _height(self) -> int:
        lines = len(self._block_lines) + len(self._open_lines)
        if self._streaming and lines:
            return -(-lines // GROWTH_STEP) * GROWTH_STEP
        return lines

    def _layout_at(self, width: int) -> None:
        """Render everything again, only when the width has changed."""
        if width == self._width or width <= 0:
            return
        self._width = width
        self._drawn.clear()
        self._block_lines = []
        for index, block in enumerate(self._blocks):
            self._block_lines.extend(self._render_block(block, index > 0 and self._gaps[index - 1]))
        self._open_lines = self._render_open()

    def _render_open(self) -> list[Strip]:
        block = self._open.strip("\n")
        return self._render_block(block, self._gap_before()) if block else []

    def _gap_before(self) -> bool:
        """Whether the next block is drawn after a blank line: as it was written."""
        return bool(self._gaps) and self._gaps[-1]

    def _render_block(self, block: str, after_gap: bool) -> list[Strip]:
        # Imported on first use: markdown-it is not needed for the first frame.
        from sparring.tui.rich_markdown import AnswerMarkdown

        console = self.app.console
        options = console.options.update_width(self._width)
        strips = [Strip(line) for line in console.render_lines(AnswerMarkdown(block), options)]
        if not block.lstrip().startswith(FENCES):
            # Rich spaces some blocks with blank lines of their own; one between blocks is enough.
            while strips and not strips[-1].text.strip():
                strips.pop()
            while strips and not strips[0].text.strip():
                strips.pop(0)
        return [Strip.blank(self._width), *strips] if after_gap else strips
