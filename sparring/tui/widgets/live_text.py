"""An answer while it streams: finished blocks drawn once, only the open block redrawn.

Textual's Markdown widget mounts a widget per block and has the screen laid
out again on each append; late in a long answer that took about 70 ms a
frame, and the cost grew with every paragraph. Here the live answer is one
widget of cached lines: a block is rendered (with Rich's Markdown) once, when
a blank line outside a code fence closes it, and a frame re-renders only the
open block after it. What a frame costs no longer depends on how long the
answer has grown. When the reply ends, its column shows it in a Markdown
widget, built once.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

FENCES = ("```", "~~~")


def block_end(text: str) -> int | None:
    """Where the first finished block of `text` ends (after its closing blank line), if any.

    A block ends at a blank line, unless the blank line is inside a code fence.
    """
    fence = ""
    start = 0
    while (end := text.find("\n", start)) != -1:
        line = text[start:end].strip()
        if fence:
            if line.startswith(fence):
                fence = ""
        elif line.startswith(FENCES):
            fence = line[:3]
        elif not line and text[:start].strip():
            return end + 1
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
        self._parts: list[str] = []
        self._blocks: list[str] = []  # the finished blocks, as sent
        self._open = ""  # the text after them
        self._width = 0
        self._block_lines: list[Strip] = []  # the finished blocks, rendered at _width
        self._open_lines: list[Strip] = []

    @property
    def source(self) -> str:
        return "".join(self._parts)

    def append(self, text: str) -> None:
        """Add streamed text and redraw what it changed."""
        if not text:
            return
        self._parts.append(text)
        self._open += text
        closed: list[str] = []
        while (end := block_end(self._open)) is not None:
            closed.append(self._open[:end].strip("\n"))
            self._open = self._open[end:]
        height = self._height()
        if self._width:
            for block in closed:
                self._block_lines.extend(self._render_block(block, bool(self._blocks)))
                self._blocks.append(block)
            self._open_lines = self._render_open()
        else:
            self._blocks.extend(closed)
        self.refresh(layout=self._height() != height)

    def clear(self) -> None:
        self._parts, self._blocks, self._open = [], [], ""
        self._block_lines, self._open_lines = [], []
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
        lines = self._block_lines
        if y < len(lines):
            line = lines[y]
        else:
            y -= len(lines)
            line = self._open_lines[y] if y < len(self._open_lines) else Strip.blank(width)
        return line.apply_style(style).crop_extend(0, width, style)

    def _height(self) -> int:
        return len(self._block_lines) + len(self._open_lines)

    def _layout_at(self, width: int) -> None:
        """Render everything again, only when the width has changed."""
        if width == self._width or width <= 0:
            return
        self._width = width
        self._block_lines = []
        for index, block in enumerate(self._blocks):
            self._block_lines.extend(self._render_block(block, index > 0))
        self._open_lines = self._render_open()

    def _render_open(self) -> list[Strip]:
        block = self._open.strip("\n")
        return self._render_block(block, bool(self._blocks)) if block else []

    def _render_block(self, block: str, after_another: bool) -> list[Strip]:
        # Imported on first use: markdown-it is not needed for the first frame.
        from rich.markdown import Markdown as RichMarkdown

        console = self.app.console
        options = console.options.update_width(self._width)
        strips = [Strip(line) for line in console.render_lines(RichMarkdown(block), options)]
        if not block.startswith(FENCES):
            # Rich spaces some blocks with blank lines of their own; one between blocks is enough.
            while strips and not strips[-1].text.strip():
                strips.pop()
            while strips and not strips[0].text.strip():
                strips.pop(0)
        return [Strip.blank(self._width), *strips] if after_another else strips
