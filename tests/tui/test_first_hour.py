"""The writer's first hour in the app: the keys, the layouts at 80x24, a first run with no
key set, and one session per draft. Pilot and the scripted backends; no model, no network."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select, Static, TextArea

from sparring.config import Config
from sparring.tui.dialogs.browser import SessionBrowser
from sparring.tui.dialogs.open_file import OpenFileScreen
from sparring.tui.screens.main import MainScreen

from . import fakes
from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, FakeBackends, Script, chunks
from .helpers import (
    DRAFT,
    SIZE,
    answered,
    follow_up,
    idle,
    main,
    make_app,
    run_task,
    saved_sessions,
    two_models,
    until,
    view,
)

SMALL = (80, 24)
LONG_ANSWER = "".join(f"Paragraph {n} says something about trees.\n\n" for n in range(60))


def footer_keys(screen: MainScreen) -> list[str]:
    """The keys the footer shows, in order."""
    from textual.widgets._footer import FooterKey

    return [key.key for key in screen.footer.query(FooterKey) if key.display]


class TestKeyboardFlow:
    async def test_tab_goes_draft_task_run_answers_follow_up(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await run_task(pilot, app)  # answers with items: still one stop per column
            screen.context_pane.text_area.focus()
            await pilot.pause()
            stops = []
            for _ in range(6):
                stops.append(app.focused)
                await pilot.press("tab")
            assert isinstance(stops[0], TextArea)
            assert isinstance(stops[1], Select) and stops[1].parent.parent is screen.task_picker  # type: ignore[union-attr]
            assert isinstance(stops[2], Button) and stops[2].id == "run"
            assert stops[3:5] == [screen.columns[0].thread, screen.columns[1].thread]
            assert stops[5] is screen.follow_up.input

    async def test_the_instruction_field_shows_only_for_ask(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            picker = main(app).task_picker
            assert not picker.instruction_input.display
            picker.select.value = "ask"
            await pilot.pause()
            assert picker.instruction_input.display

    async def test_ctrl_f_goes_to_the_follow_up_line_from_anywhere(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.focused, TextArea)
            await pilot.press("ctrl+f")
            assert app.focused is main(app).follow_up.input

    async def test_left_and_right_move_between_columns(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            columns = main(app).columns
            columns[0].thread.focus()
            await pilot.press("right")
            assert app.focused is columns[1].thread
            await pilot.press("right")
            assert app.focused is columns[1].thread
            await pilot.press("left")
            assert app.focused is columns[0].thread

    async def test_a_follow_up_answer_scrolls_into_view_wherever_the_writer_had_scrolled(
        self,
    ) -> None:
        backends = FakeBackends({"small": [Script(chunks(LONG_ANSWER, 40)), Script(["Short."])]})
        app = make_app(backends, models=["small"], task="ask")
        async with app.run_test(size=SIZE) as pilot:
            main(app).task_picker.instruction_input.value = "Say a lot"
            await run_task(pilot, app)
            thread = main(app).columns[0].thread
            await until(pilot, lambda: thread.max_scroll_y > 20)
            thread.scroll_home(animate=False)  # the writer reads from the top
            await pilot.pause()
            await follow_up(pilot, app, "shorter")
            await until(pilot, lambda: thread.scroll_y >= thread.max_scroll_y - 1)
            newest = view(app, 0)
            top = newest.region.y
            assert thread.region.y <= top < thread.region.bottom

    async def test_end_and_page_up_in_an_answers_items_move_the_column(self) -> None:
        # Sixty different ideas (numbered alike, they would be folded as one).
        words = ["oak", "bus", "rain", "shade", "euro", "heat", "walk", "park", "tax", "road"]
        many = "".join(
            f"{n}. {words[n % 10]} {words[n // 10 % 10]} {words[(n * 7) % 10]} {n * 37}\n"
            for n in range(1, 61)
        )
        app = make_app(FakeBackends({"small": Script(chunks(many, 30))}), models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            items = view(app, 0).item_list
            thread = main(app).columns[0].thread
            items.focus()
            await pilot.press("end")
            assert thread.scroll_y == thread.max_scroll_y > 0
            await pilot.press("pageup")
            assert thread.scroll_y < thread.max_scroll_y
            # The list has no scroll of its own: no scrollbar is drawn beside its items.
            assert items.max_scroll_y == 0 and not items.show_vertical_scrollbar
            # A highlighted item far down is brought into view by scrolling the column.
            await pilot.press("home")
            items.highlighted = 59
            await pilot.pause()
            row = items.region.y + 59  # one line an item at this width
            assert thread.region.y <= row < thread.region.bottom

    async def test_the_session_browser_opens_a_session_with_one_down_and_enter(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            await pilot.press("ctrl+r")
            await until(
                pilot,
                lambda: isinstance(app.screen, SessionBrowser) and app.screen.shown,
            )
            await pilot.press("down", "enter")
            await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.read_only)


class TestFooter:
    @pytest.mark.parametrize("size", [SMALL, SIZE])
    async def test_the_most_important_keys_and_quit_are_in_the_footer(
        self, size: tuple[int, int]
    ) -> None:
        app = make_app(two_models())
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            keys = footer_keys(main(app))
            for key in ("f5", "ctrl+f", "f7", "f2", "f4", "f8", "f9", "ctrl+q"):
                assert key in keys, keys
            footer = main(app).footer
            assert all(key.region.right <= footer.region.right for key in footer.children)
            wide_only = {"ctrl+b", "ctrl+o", "ctrl+r"}
            assert wide_only <= set(keys) if size == SIZE else not wide_only & set(keys)

    async def test_stop_shows_only_while_answers_stream(self) -> None:
        backends = two_models(small=Script(["slow"], hold_after=0))
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            assert "escape" not in footer_keys(main(app))
            await pilot.press("f5")
            await until(pilot, lambda: main(app).running_turn not in (None, -1))
            await pilot.pause()
            keys = footer_keys(main(app))
            assert "escape" in keys and "f2" not in keys
            backends.held().set()
            await until(pilot, idle(app))


class TestSmallTerminals:
    async def test_at_80_columns_the_draft_folds_away_for_the_answers_and_ctrl_b_brings_it_back(
        self,
    ) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SMALL) as pilot:
            screen = main(app)
            assert screen.side.display
            await run_task(pilot, app)
            assert not screen.side.display
            await pilot.pause()
            assert [column.outer_size.width for column in screen.columns] == [40, 40]
            await pilot.press("ctrl+b")
            assert screen.side.display
            await pilot.press("ctrl+b")
            assert not screen.side.display

    async def test_figures_and_model_names_stay_on_one_line(self) -> None:
        config = Config(
            default_model="small",
            aliases={
                "small": "local",
                "a-model-with-a-very-long-name-indeed-for-a-column": "local:/x/y.gguf",
            },
        )
        long_name = "a-model-with-a-very-long-name-indeed-for-a-column"
        backends = FakeBackends(
            {"small": Script(chunks(HEADLINES_SMALL)), long_name: Script(["1. A\n"])}
        )
        app = make_app(backends, config=config, models=["small", long_name])
        async with app.run_test(size=SMALL) as pilot:
            await run_task(pilot, app)
            for column in main(app).columns:
                figures = column.query_one(".figures", Static)
                assert figures.content_region.height == 1
                assert 0 < len(str(figures.content)) <= figures.content_region.width
                name = column.query_one(".model", Static)
                assert name.size.height == 1

    async def test_the_stats_and_the_picker_fit_the_screen(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SMALL) as pilot:
            await run_task(pilot, app)
            for key in ("f9", "f7"):
                await pilot.press(key)
                await until(pilot, lambda: not isinstance(app.screen, MainScreen))
                await pilot.pause()
                dialog = app.screen.query_one(".dialog")
                assert dialog.region.right <= 80 and dialog.region.bottom <= 24
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, MainScreen))


class TestFirstRun:
    async def test_with_no_config_one_local_column_says_what_to_press(self) -> None:
        app = make_app(FakeBackends({"local": Script(["1. Trees\n"])}), config=Config())
        async with app.run_test(size=SIZE):
            [column] = main(app).columns
            assert column.model == "local"
            empty = str(column.query_one(".empty", Static).content)
            assert "F5" in empty and "F7" in empty and "F2" in empty

    async def test_a_cloud_column_without_its_key_says_what_to_set_and_the_others_run(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("ANTHROPIC_API_KEY")
        monkeypatch.delenv("ANTHROPIC_BASE_URL")  # the suite's points at a closed loopback port
        config = Config(
            compare=("small", "flagship"),
            aliases={"small": "local", "flagship": "anthropic:claude-opus-4-1"},
            privacy="allow-cloud",
        )
        backends = two_models()
        app = make_app(backends, config=config)
        async with app.run_test(size=SIZE) as pilot:
            where = str(main(app).columns[1].query_one(".where", Static).content)
            assert where == "cloud · needs ANTHROPIC_API_KEY"
            await run_task(pilot, app)
            assert answered(app, 0).status == "ok"
            status = str(view(app, 1).status.content)
            assert "needs ANTHROPIC_API_KEY: set it before starting sparring, or F7" in status
            assert "flagship" not in backends.requests

    async def test_a_refusal_says_what_to_do_in_the_app_not_on_the_command_line(self) -> None:
        app = make_app(two_models(), config=fakes.config(privacy="local-only"))
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            status = str(view(app, 1).status.content)
            assert "F7" in status and "-m local" not in status and "--local-only" not in status


class TestOneSessionOneDraft:
    async def test_opening_another_file_mid_session_starts_a_new_session(
        self, tmp_path: Path
    ) -> None:
        other = tmp_path / "other.md"
        other.write_text("A second draft, about buses.", encoding="utf-8")
        backends = two_models(
            small=[Script(chunks(HEADLINES_SMALL)), Script(["1. Buses\n"])],
            flagship=[
                Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
                Script(["1. Bus lanes\n"], location="cloud"),
            ],
        )
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            first = main(app).session
            await run_task(pilot, app)
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
            app.screen.query_one(Input).value = str(other)
            await pilot.press("enter")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, MainScreen)
                    and app.screen.session is not first
                    and app.screen.context_pane.text.startswith("A second draft")
                ),
            )
            second = main(app)
            assert [c.model for c in second.columns] == ["small", "flagship"]
            assert all(not column.replies for column in second.columns)
            await run_task(pilot, app)
            # The new draft went alone: no earlier turn as history.
            sent = [m.content for m in backends.requests["small"][1].messages]
            assert not any(HEADLINES_SMALL in text for text in sent)
            assert any("A second draft" in text for text in sent)
        saved = {session.id: session for session in saved_sessions()}
        assert saved[first.id].context.text == DRAFT and len(saved[first.id].turns) == 1
        assert saved[second.session.id].context.sources == [str(other)]

    async def test_running_on_a_changed_draft_starts_a_new_session(self) -> None:
        backends = two_models(
            small=[Script(chunks(HEADLINES_SMALL)), Script(["1. Again\n"])],
            flagship=[
                Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
                Script(["1. Again\n"], location="cloud"),
            ],
        )
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            first = main(app).session
            await run_task(pilot, app)
            main(app).context_pane.text_area.load_text(DRAFT + "\n\nA new paragraph.")
            await pilot.press("f5")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, MainScreen)
                    and app.screen.session is not first
                    and bool(app.screen.session.turns)
                    and idle(app)()
                ),
            )
            assert main(app).session.context.text.endswith("A new paragraph.")
        saved = {session.id: session for session in saved_sessions()}
        assert saved[first.id].context.text == DRAFT
