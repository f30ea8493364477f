"""One reply in a column: what it answers, its Markdown as it streams and ended, its items,
its status."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sparring.items import Item
from sparring.sessions.model import Reply
from sparring.tui.hints import said
from sparring.tui.widgets.live_text import LiveText
from sparring.tui.widgets.thinking import ThinkingView
from sparring.visible import visible

STATUS_LINES = {
    "streaming": "streaming…",
    "cancelled": "⏹ cancelled; the partial answer is kept",
}


def thought_line(reply: Reply) -> str:
    """`thought · 14 s · 820 tokens`: the closed line above a finished answer."""
    approx = "~" if reply.thinking_estimated else ""
    tokens = f"{approx}{reply.thinking_tokens} tokens" if reply.thinking_tokens else ""
    if reply.hidden_thinking:
        return f"thought unseen · {tokens}"
    seconds = f"{reply.thinking_seconds:.0f} s" if reply.thinking_seconds is not None else ""
    return " · ".join(part for part in ("thought", seconds, tokens) if part)


def status_line(reply: Reply) -> str:
    """Empty for a whole answer; otherwise what happened and, for an error, its hint
    (the TUI's way: a key, not a flag)."""
    if reply.status == "error":
        return f"✗ {said(visible(reply.error or 'failed'))}"
    if reply.status == "interrupted":
        return f"⚠ cut off: {said(visible(reply.error or 'the answer ended early'))}"
    if reply.status == "cut":
        return f"⚠ cut short: {said(visible(reply.error or 'the answer hit the token limit'))}"
    if reply.status == "refused":
        return f"⊘ refused: {said(visible(reply.error or 'the model declined to answer'))}"
    return STATUS_LINES.get(reply.status, "")


#: The most of an item's quote shown under it; the draft pane shows the whole passage.
QUOTE_SHOWN = 80


def quote_line(item: Item) -> str:
    """The passage an item quotes, as shown under it: `“the costs are low”`, cut when long."""
    quote = item.quote if len(item.quote) <= QUOTE_SHOWN else item.quote[: QUOTE_SHOWN - 1] + "…"
    return f"“{visible(quote)}”"


class ItemList(OptionList):
    """The items of a list reply. Enter, s or a click keeps the highlighted one (or lets go).

    It has no scroll of its own: it is as tall as its items, and the column's
    thread scrolls (PageUp, PageDown, Home and End move the thread, and the
    highlighted item is kept in view there). An item that quotes the draft
    shows its quote under it ("unanchored" when the draft has no such passage);
    the item in focus says so (`Pointed`), and the screen highlights its passage.
    """

    BINDINGS = [
        Binding("s", "select", "Keep item", show=False),
        Binding("pageup", "thread('page_up')", show=False),
        Binding("pagedown", "thread('page_down')", show=False),
        Binding("home", "thread('home')", show=False),
        Binding("end", "thread('end')", show=False),
    ]

    @dataclass
    class KeepToggled(Message):
        item_list: ItemList
        text: str

        @property
        def control(self) -> ItemList:
            return self.item_list

    @dataclass
    class Pointed(Message):
        """`item` is the one in focus now: its passage of the draft is the one to show."""

        item_list: ItemList
        item: Item

        @property
        def control(self) -> ItemList:
            return self.item_list

    def __init__(self, turn_index: int, model: str) -> None:
        super().__init__(classes="items")
        self.turn_index = turn_index
        self.model = model
        self.items: list[Item] = []
        self.kept: set[str] = set()
        self.shared: dict[int, list[str]] = {}
        #: The items pinned to a passage another column's items are pinned to, with those models.
        self.passages: dict[int, list[str]] = {}

    def show(
        self,
        items: list[Item] | None = None,
        *,
        kept: set[str] | None = None,
        shared: dict[int, list[str]] | None = None,
        passages: dict[int, list[str]] | None = None,
    ) -> None:
        """Redraw with new items, keepers or shared marks; the highlight stays put."""
        self.items = self.items if items is None else items
        self.kept = self.kept if kept is None else kept
        self.shared = self.shared if shared is None else shared
        self.passages = self.passages if passages is None else passages
        highlighted = self.highlighted
        # Made before set_options, which clears the highlight the prompts mark.
        options = [Option(self._prompt(index, item)) for index, item in enumerate(self.items)]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            if highlighted is not None and self.items:
                self.highlighted = min(highlighted, len(self.items) - 1)

    def _prompt(self, index: int, item: Item) -> Content:
        star = "★ " if item.text in self.kept else "☆ "
        # The highlighted idea is marked in text too, for terminals without colour.
        focused = self.is_attached and self.screen.focused is self
        cursor = "▸" if focused and index == self.highlighted else " "
        parts: list[str | tuple[str, str]] = [
            (cursor, "bold"),
            (star, "$warning" if item.text in self.kept else ""),
            visible(item.text),
        ]
        if item.count > 1:
            parts.append((f" ×{item.count}", "bold $accent"))
        others = self.shared.get(index)
        if others:
            label = " ⇄ both" if len(others) == 1 else f" ⇄ also {visible(', '.join(others))}"
            parts.append((label, "italic $success"))
        same_passage = self.passages.get(index)
        if same_passage:
            label = (
                " ¶ same passage"
                if len(same_passage) == 1
                else f" ¶ same passage as {visible(', '.join(same_passage))}"
            )
            parts.append((label, "italic $success"))
        if item.quote:
            parts.append((f"\n   {quote_line(item)}", "$text-muted"))
            if item.unanchored:
                parts.append((" unanchored", "dim italic"))
        return Content.assemble(*parts)

    @property
    def item(self) -> Item | None:
        """The highlighted item, if any."""
        index = self.highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def _point(self) -> None:
        item = self.item
        if item is not None:
            self.post_message(self.Pointed(self, item))

    def on_focus(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0  # which says so (OptionHighlighted)
        else:
            self._point()
        self.show()

    def on_blur(self) -> None:
        self.show()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.show()
        if self.has_focus:
            self._point()

    def _scroller(self) -> Widget | None:
        node = self.parent
        while isinstance(node, Widget) and not node.allow_vertical_scroll:
            node = node.parent
        return node if isinstance(node, Widget) else None

    def action_thread(self, how: str) -> None:
        """Move the thread (the column's one scroll) a page, or to its start or end."""
        scroller = self._scroller()
        if scroller is not None:
            move = {
                "page_up": scroller.scroll_page_up,
                "page_down": scroller.scroll_page_down,
                "home": scroller.scroll_home,
                "end": scroller.scroll_end,
            }[how]
            move(animate=False)

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Keep the highlighted item in view by scrolling the thread, not this list.

        Reads where the option is from OptionList's own line map (`_index_to_line`,
        `_heights`), as OptionList.scroll_to_highlight does; Textual is pinned.
        """
        scroller = self._scroller()
        highlighted = self.highlighted
        if scroller is None or highlighted is None or not self.is_mounted:
            return
        self._update_lines()
        line = self._index_to_line.get(highlighted)
        if line is None:
            return
        top_in_thread = self.region.y - scroller.region.y + round(scroller.scroll_y)
        region = Region(0, top_in_thread + line, self.size.width, self._heights[highlighted])
        scroller.scroll_to_region(region, animate=False, top=top, immediate=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.KeepToggled(self, self.items[event.option_index].text))


class ReplyView(Vertical):
    """A reply as it streams, then as it ended."""

    def __init__(self, turn_index: int, model: str, heading: str, output: str) -> None:
        super().__init__(classes="reply")
        self.turn_index = turn_index
        self.model = model
        self.heading = heading
        self.output = output
        self.reply: Reply | None = None

    def compose(self) -> ComposeResult:
        yield Static(visible(self.heading), markup=False, classes="heading")
        yield Static("", markup=False, classes="note")
        yield ThinkingView()
        yield LiveText(classes="live")
        yield ItemList(self.turn_index, self.model)
        yield Static("", markup=False, classes="status")

    @property
    def live(self) -> LiveText:
        return self.query_one(LiveText)

    @property
    def thinking(self) -> ThinkingView:
        return self.query_one(ThinkingView)

    @property
    def item_list(self) -> ItemList:
        return self.query_one(ItemList)

    @property
    def status(self) -> Static:
        return self.query_one(".status", Static)

    @property
    def text(self) -> str:
        return self.reply.text if self.reply is not None else self.live.source

    @property
    def item_texts(self) -> list[str]:
        return [item.text for item in self.reply.items] if self.reply is not None else []

    @property
    def shown(self) -> str:
        """The answer's text as the column shows it now (control characters made visible)."""
        return self.live.source if self.live.display else ""

    def note(self, lines: list[str]) -> None:
        """What to expect of this model here, said before it answers (see fitness.py)."""
        note = self.query_one(".note", Static)
        note.update(visible("\n".join(f"note: {line}" for line in lines)))
        note.display = bool(lines)

    def start(self, note: str = STATUS_LINES["streaming"]) -> None:
        self.status.update(note)
        self.live.streaming = True

    def append(self, text: str) -> None:
        """Show more of the answer: what streamed since the last frame."""
        self.live.append(visible(text))

    async def finish(self, reply: Reply, kept: set[str]) -> None:
        """Show how the reply ended: its last text, its items, its status line."""
        self.reply = reply
        if not self.is_attached:  # the app is closing
            return
        has_items = self.output == "list" and bool(reply.items)
        if reply.thinking or reply.thinking_tokens:
            self.thinking.show(thought_line(reply), reply.thinking)
        self.live.streaming = False
        self.live.set_text(visible(reply.text))
        self.live.display = not has_items and bool(reply.text)
        self.status.update(status_line(reply))
        self.status.set_class(reply.status in ("error", "interrupted", "cut", "refused"), "failed")
        self.status.display = bool(self.status.content)
        self.item_list.display = has_items
        if has_items:
            self.item_list.show(reply.items, kept=kept)

    def mark(
        self,
        *,
        kept: set[str] | None = None,
        shared: dict[int, list[str]] | None = None,
        passages: dict[int, list[str]] | None = None,
    ) -> None:
        if self.item_list.display:
            self.item_list.show(kept=kept, shared=shared, passages=passages)
