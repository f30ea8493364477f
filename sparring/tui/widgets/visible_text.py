"""Text widgets that show control characters instead of sending them to the terminal.

A draft, an answer or a model name from a session file can hold escape
sequences. Textual draws a TextArea's or an Input's text as it is, so an ESC in
it would reach the terminal and act (set the title, write the clipboard, clear
the screen). These keep the text as it is (the draft is sent as written) and
draw it through `visible`, the one sanitizer. A C0 control takes one cell
either way, so the cursor stays where it is drawn.
"""

from __future__ import annotations

from rich.highlighter import Highlighter
from rich.text import Text
from textual.widgets import DirectoryTree, TextArea

from sparring.visible import visible


class VisibleTextArea(TextArea):
    """A TextArea that draws each line through `visible` (Textual's `get_line` hook)."""

    def get_line(self, line_index: int) -> Text:
        return Text(visible(self.document.get_line(line_index)), end="", no_wrap=True)


class VisibleDirectoryTree(DirectoryTree):
    """A DirectoryTree whose file names are drawn through `visible`: any bytes make a name."""

    def process_label(self, label: str | Text) -> Text:
        return super().process_label(visible(label) if isinstance(label, str) else label)


class VisibleHighlighter(Highlighter):
    """For an Input: its value drawn through `visible` (Input applies its highlighter to the
    Text it is about to draw, and draws what the highlighter returns)."""

    def __call__(self, text: str | Text) -> Text:
        plain = text.plain if isinstance(text, Text) else text
        return Text(visible(plain), no_wrap=True, overflow="ignore", end="")

    def highlight(self, text: Text) -> None:
        pass


VISIBLE = VisibleHighlighter()
