"""Findings pinned to the draft: the passage of the item in focus, highlighted in the draft
pane, and ctrl+g between an item and its passage.

A plain helper the main screen holds. An item's anchor is where its quote is
in the draft the turn was asked about (characters of `session.context.text`);
once the writer has edited the draft pane since, the quote is looked for again
in the text as it is now, so the highlight never lands on the wrong words. The
highlight is the draft pane's selection: drawn whether or not the pane has the
focus, and what F4 keeps once ctrl+g has gone there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets.text_area import Selection

from sparring import anchors
from sparring.items import Item
from sparring.tui.widgets.reply import ItemList

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen

#: How far down the draft pane a passage is brought, as a share of its height.
PASSAGE_AT = 1 / 3


#: What str.splitlines breaks a line at (a TextArea's document splits its lines so).
LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def location_of(text: str, index: int) -> tuple[int, int]:
    """(row, column) of character `index` of `text`, its lines split as a TextArea's are
    (str.splitlines: any line break, of one character or two)."""
    lines = text.splitlines(keepends=True)
    for row, line in enumerate(lines):
        body = len(line.rstrip(LINE_BREAKS))
        if index <= body:
            return row, index
        if index < len(line):
            return row, body  # inside the line break
        index -= len(line)
    return len(lines), 0  # after a final line break: the empty last line


class Pins:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: The list whose item's passage the draft pane shows; ctrl+g goes back to it.
        self.item_list: ItemList | None = None
        #: The draft panel was folded away and ctrl+g brought it back for the passage.
        self._unfolded = False

    def span(self, item: Item) -> tuple[int, int] | None:
        """Where `item`'s passage is in the draft pane's text now, or None."""
        draft = self.screen.context_pane.text
        if item.anchor is not None and draft == self.screen.session.context.text:
            return item.anchor
        if not item.quote:
            return None
        found = anchors.find(item.quote, draft)
        return None if found is None else (found.start, found.end)

    def show(self, item_list: ItemList, item: Item) -> None:
        """Highlight `item`'s passage in the draft pane and bring it into view; an item
        with none clears the highlight, so no other item's passage seems to be its."""
        self.item_list = item_list
        area = self.screen.context_pane.text_area
        span = self.span(item)
        if span is None:
            area.selection = Selection.cursor(area.selection.end)
            return
        text = area.text
        start, end = location_of(text, span[0]), location_of(text, span[1])
        area.selection = Selection(start, end)
        # The selection scrolled its end into view; the passage reads from its start.
        top = area.wrapped_document.location_to_offset(start).y
        bottom = area.wrapped_document.location_to_offset(end).y
        height = area.scrollable_content_region.height
        if not area.scroll_y <= top <= bottom < area.scroll_y + height:
            area.scroll_to(y=max(top - int(height * PASSAGE_AT), 0), animate=False)

    def can_jump(self) -> bool:
        """ctrl+g means something here: from an item with a passage, or back to it."""
        focused = self.screen.focused
        if isinstance(focused, ItemList):
            item = focused.item
            return item is not None and self.span(item) is not None
        return focused is self.screen.context_pane.text_area and self._back_to() is not None

    def jump(self) -> None:
        """From an item to its passage in the draft (unfolding the draft panel), or back."""
        screen = self.screen
        focused = screen.focused
        if isinstance(focused, ItemList):
            item = focused.item
            if item is None or self.span(item) is None:
                return
            if not screen.side.display:
                screen.side.display = True
                self._unfolded = True
            screen.context_pane.text_area.focus()
            # Once the pane is laid out again, so that the passage is scrolled to in it.
            screen.call_after_refresh(self.show, focused, item)
            return
        back = self._back_to()
        if back is not None:
            if self._unfolded:
                screen.side.display = False
                self._unfolded = False
            back.focus()
            back.scroll_to_highlight()

    def _back_to(self) -> ItemList | None:
        item_list = self.item_list
        return item_list if item_list is not None and item_list.is_attached else None
