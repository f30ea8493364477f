"""The answer while it streams: finished blocks drawn once, the open block redrawn each frame."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.strip import Strip

from sparring.tui.widgets.live_text import GROWTH_STEP, LiveText, block_end

PARAGRAPH = "Shade lowers the temperature of a street by several degrees, and people walk more."


class LiveApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveText()


def shown_lines(live: LiveText) -> list[str]:
    return [
        live.render_line(y).text.rstrip()
        for y in range(live.get_content_height(live.size, live.size, live.size.width))
    ]


def renders_of(live: LiveText) -> list[str]:
    """The blocks `live` renders from now on, in order."""
    rendered: list[str] = []
    render_block = live._render_block

    def counted(block: str, after_gap: bool) -> list[Strip]:
        rendered.append(block)
        return render_block(block, after_gap)

    live._render_block = counted  # type: ignore[method-assign]
    return rendered


class TestBlocks:
    def test_a_blank_line_ends_a_block_once_the_next_one_begins(self) -> None:
        text = "First paragraph.\n\nSecond"
        assert text[: block_end(text)] == "First paragraph.\n\n"
        assert block_end("First paragraph.\n\n") is None

    def test_text_without_a_blank_line_is_one_open_block(self) -> None:
        assert block_end("First line\nsecond line, still going") is None

    def test_an_indented_line_after_a_blank_one_goes_on_with_the_block(self) -> None:
        text = "- an item\n\n  more of the item\n\nAfter"
        assert text[: block_end(text)] == "- an item\n\n  more of the item\n\n"

    def test_blank_lines_inside_a_code_fence_do_not_end_it(self) -> None:
        text = "```python\ndef f():\n\n    return 1\n```\n\nAfter"
        assert text[: block_end(text)] == "```python\ndef f():\n\n    return 1\n```\n\n"
        assert block_end("~~~\nstill\n\nopen") is None

    def test_each_list_item_is_a_block_of_its_own(self) -> None:
        text = "Headlines:\n1. Trees cool the city\n2. Shade is free"
        assert text[: block_end(text)] == "Headlines:\n"
        rest = text[block_end(text) :]
        assert rest[: block_end(rest)] == "1. Trees cool the city\n"
        assert block_end("- one\n  - nested\n**bold** line") is None

    def test_leading_blank_lines_do_not_make_an_empty_block(self) -> None:
        text = "\n\nFirst\n\nNext"
        assert text[: block_end(text)] == "\n\nFirst\n\n"


class TestLiveText:
    async def test_streamed_markdown_is_shown_as_it_arrives(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(60, 20)) as pilot:
            live = app.query_one(LiveText)
            pieces = (
                "# Trees\n\nShade is **free",
                "**, and",
                " cools.\n\n- one\n- tw",
                "o\n\n3. th",
            )
            for piece in pieces:
                live.append(piece)
            await pilot.pause()
            lines = [line.strip() for line in shown_lines(live)]
            assert "Trees" in lines
            assert "Shade is free, and cools." in lines
            assert "• one" in lines and "• two" in lines
            assert "3. th" in lines  # numbered as written, from where the list starts
            assert live.source == "".join(pieces)

    async def test_text_that_looks_like_html_is_shown_as_written(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(60, 20)) as pilot:
            live = app.query_one(LiveText)
            live.append("<<Trees in the City>>\n\nKeep <b>this</b> and <the draft>")
            await pilot.pause()
            lines = [line.strip() for line in shown_lines(live)]
            assert lines == ["<<Trees in the City>>", "", "Keep <b>this</b> and <the draft>"]

    async def test_a_frame_renders_only_the_open_block_however_long_the_answer(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(60, 20)) as pilot:
            live = app.query_one(LiveText)
            live.append(f"{PARAGRAPH}\n\n" * 200 + "The last")
            await pilot.pause()
            rendered = renders_of(live)
            live.append(" paragraph\n\nA new one")
            live.append(" goes on")
            await pilot.pause()
            assert rendered == ["The last paragraph", "A new one", "A new one goes on"]
            assert shown_lines(live)[-1].strip() == "A new one goes on"

    async def test_a_long_list_is_drawn_an_item_at_a_time_as_written(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(60, 20)) as pilot:
            live = app.query_one(LiveText)
            live.append("".join(f"{n}. Idea number {n}\n" for n in range(1, 200)) + "200. Las")
            await pilot.pause()
            rendered = renders_of(live)
            live.append("t idea")
            await pilot.pause()
            assert rendered == ["200. Last idea"]
            lines = [line.strip() for line in shown_lines(live)]
            assert lines[:3] == ["1. Idea number 1", "2. Idea number 2", "3. Idea number 3"]
            assert lines[-1] == "200. Last idea"

    async def test_a_new_width_wraps_everything_again(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(100, 20)) as pilot:
            live = app.query_one(LiveText)
            live.append(f"{PARAGRAPH}\n\n{PARAGRAPH}")
            await pilot.pause()
            wide = len(shown_lines(live))
            await pilot.resize_terminal(40, 20)
            await pilot.pause()
            narrow = shown_lines(live)
            assert len(narrow) > wide
            assert max(len(line) for line in narrow) <= 40

    async def test_text_can_be_selected_with_the_mouse_and_copied(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(60, 20)) as pilot:
            live = app.query_one(LiveText)
            live.append("Shade is **free**.\n\nTrees cool streets.")
            await pilot.pause()
            await pilot.mouse_down(live, offset=(0, 2))
            await pilot.hover(live, offset=(4, 2))
            await pilot.mouse_up(live, offset=(4, 2))
            await pilot.pause()
            assert app.screen.get_selected_text() == "Trees"
            marked = app.screen.get_component_rich_style("screen--selection").bgcolor
            line = live.render_line(2)
            assert "".join(s.text for s in line if s.style and s.style.bgcolor == marked) == "Trees"

    async def test_while_streaming_the_height_grows_a_few_lines_at_a_time(self) -> None:
        app = LiveApp()
        async with app.run_test(size=(60, 20)) as pilot:
            live = app.query_one(LiveText)
            live.streaming = True
            live.append("One line")
            await pilot.pause()
            size = live.size
            assert live.get_content_height(size, size, size.width) == GROWTH_STEP
            live.streaming = False
            assert live.get_content_height(size, size, size.width) == 1
