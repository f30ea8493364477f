"""Findings pinned to the draft: the item in focus highlights the passage it quotes, ctrl+g
goes between the two, an unanchored item says so, and a passage both columns pinned is marked.
"""

from __future__ import annotations

from textual.pilot import Pilot

from sparring.tui.app import SparringApp
from sparring.tui.screens.pins import location_of

from .fakes import FakeBackends, Script, chunks
from .helpers import SIZE, item_texts, main, make_app, run_task, until, view

PINNED_DRAFT = (
    "Why our city needs more trees.\n\n"
    "Shade lowers the temperature of a street by several degrees.\n\n"
    "Trees cost little to plant and less to keep."
)
COUNTER_SMALL = (
    '1. "Shade lowers the temperature" - by how much, and where was it measured?\n'
    '2. "Trees cost little to plant" - watering and pruning are not free.\n'
    '3. "Roots lift the pavements of every street" - the draft never weighs the damage.\n'
)
COUNTER_FLAGSHIP = (
    '1. "cost little to plant and less to keep" - maintenance budgets say otherwise.\n'
    '2. "Why our city needs more trees" - the title claims a need it does not show.\n'
)


def counter_app() -> SparringApp:
    backends = FakeBackends(
        {
            "small": Script(chunks(COUNTER_SMALL)),
            "flagship": Script(chunks(COUNTER_FLAGSHIP), location="cloud"),
        }
    )
    return make_app(backends, context=PINNED_DRAFT, task="counter")


def highlighted(app: SparringApp) -> str:
    """The text the draft pane highlights (its selection)."""
    return main(app).context_pane.text_area.selected_text


async def into_items(pilot: Pilot, app: SparringApp, column: int) -> None:
    view(app, column).item_list.focus()
    await pilot.pause()


class TestPassageOfTheItemInFocus:
    async def test_the_item_in_focus_highlights_the_passage_it_quotes(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            await into_items(pilot, app, 0)
            await until(pilot, lambda: highlighted(app) == "Shade lowers the temperature")
            start = PINNED_DRAFT.index("Shade lowers")
            area = main(app).context_pane.text_area
            assert area.selection == ((2, 0), (2, len("Shade lowers the temperature")))
            assert view(app, 0).reply.items[0].anchor == (start, start + 28)  # type: ignore[union-attr]
            await pilot.press("down")
            await until(pilot, lambda: highlighted(app) == "Trees cost little to plant")
            assert area.selection.start == location_of(PINNED_DRAFT, PINNED_DRAFT.index("Trees"))

    async def test_an_unanchored_item_says_so_and_highlights_nothing(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            shown = item_texts(view(app, 0))
            assert shown[2].endswith("unanchored")
            assert "Roots lift the pavements" in shown[2]
            assert not any("unanchored" in text for text in shown[:2])
            await into_items(pilot, app, 0)
            await until(pilot, lambda: highlighted(app) == "Shade lowers the temperature")
            await pilot.press("down", "down")
            await until(pilot, lambda: highlighted(app) == "")

    async def test_an_item_shows_the_words_it_quotes_under_it(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            first = item_texts(view(app, 0))[0]
            assert first.splitlines()[0].endswith("by how much, and where was it measured?")
            assert first.splitlines()[1].strip() == "“Shade lowers the temperature”"

    async def test_a_draft_edited_since_still_highlights_the_quoted_words(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            area = main(app).context_pane.text_area
            area.insert("A new first line.\n\n", (0, 0))
            await into_items(pilot, app, 0)
            await until(pilot, lambda: highlighted(app) == "Shade lowers the temperature")
            assert area.selection.start == (4, 0)


class TestJumpingBetweenItemAndPassage:
    async def test_ctrl_g_goes_to_the_passage_and_back_to_the_item(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            await into_items(pilot, app, 1)
            item_list = view(app, 1).item_list
            area = main(app).context_pane.text_area
            await pilot.press("ctrl+g")
            await until(pilot, lambda: app.focused is area)
            await until(pilot, lambda: highlighted(app) == "cost little to plant and less to keep")
            await pilot.press("ctrl+g")
            await until(pilot, lambda: app.focused is item_list)
            assert item_list.highlighted == 0

    async def test_at_80_columns_the_folded_draft_comes_back_for_the_passage(self) -> None:
        app = counter_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await run_task(pilot, app)
            screen = main(app)
            assert not screen.side.display  # folded away for the answers
            await into_items(pilot, app, 0)
            await pilot.press("ctrl+g")
            await until(pilot, lambda: screen.side.display and app.focused is not None)
            await until(pilot, lambda: highlighted(app) == "Shade lowers the temperature")
            await pilot.press("ctrl+g")
            await until(pilot, lambda: not screen.side.display)

    async def test_the_key_is_offered_only_where_it_goes_somewhere(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            screen = main(app)
            screen.columns[0].thread.focus()
            await pilot.pause()
            assert not screen.check_action("passage", ())
            await into_items(pilot, app, 0)
            assert screen.check_action("passage", ())
            await pilot.press("down", "down")  # the unanchored item: no passage to go to
            await until(pilot, lambda: not screen.check_action("passage", ()))


class TestSharedPassages:
    async def test_items_pinned_to_the_same_passage_in_both_columns_are_marked(self) -> None:
        app = counter_app()
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            small, flagship = item_texts(view(app, 0)), item_texts(view(app, 1))
            marked = [[" ¶ same passage" in text for text in shown] for shown in (small, flagship)]
            assert marked == [[False, True, False], [True, False]]


class TestLocations:
    def test_a_character_index_is_the_row_and_column_the_draft_pane_uses(self) -> None:
        text = "ab\r\ncd\n\nef"
        assert location_of(text, 0) == (0, 0)
        assert location_of(text, 4) == (1, 0)
        assert location_of(text, 8) == (3, 0)
        assert location_of(text, len(text)) == (3, 2)
        assert location_of("ab\n", 3) == (1, 0)
