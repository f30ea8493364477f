"""Keepers (starred ideas) and sessions (saved as they go, browsed, reopened read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from sparring.sessions import catalog, store
from sparring.sessions.model import Session
from sparring.tui.dialogs.ask_path import AskPathScreen
from sparring.tui.dialogs.browser import SessionBrowser, fuzzy_filter
from sparring.tui.dialogs.keep_passage import KeepPassageScreen
from sparring.tui.screens.main import MainScreen

from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, FakeBackends, Script
from .helpers import (
    SIZE,
    follow_up,
    item_texts,
    main,
    make_app,
    run_task,
    saved_sessions,
    two_models,
    until,
    view,
)


class TestKeepers:
    async def test_starring_an_item_twice_lets_it_go(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            view(app, 1).item_list.focus()
            await pilot.press("s")
            assert [k.model for k in main(app).session.keepers] == ["flagship"]
            assert item_texts(view(app, 1))[0].startswith("★")
            await pilot.press("s")
            assert main(app).session.keepers == []

    async def test_f4_keeps_a_passage_of_a_text_answer(self) -> None:
        backends = two_models(small=Script(["A first line.\n\nThe second ", "paragraph."]))
        app = make_app(backends, task="ask", models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            main(app).task_picker.instruction_input.value = "Comment"
            await run_task(pilot, app)
            main(app).columns[0].thread.focus()
            await pilot.press("f4")
            await until(pilot, lambda: isinstance(app.screen, KeepPassageScreen))
            await pilot.press("down", "down", "shift+end", "enter")
            await until(pilot, lambda: main(app).session.keepers)
            assert [(k.text, k.model, k.turn) for k in main(app).session.keepers] == [
                ("The second paragraph.", "small", 0)
            ]

    async def test_keepers_are_copied_as_markdown_and_exported_where_the_writer_works(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            view(app, 0).item_list.focus()
            await pilot.press("enter")
            main(app).keepers_pane.option_list.focus()
            await pilot.press("c")
            assert app.clipboard.startswith("# Keepers: headlines: Why our city")
            assert "- Trees cool the city (small)" in app.clipboard
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, AskPathScreen))
            await pilot.press("enter")
            exported = tmp_path / f"keepers-{main(app).session.id}.md"
            await until(pilot, exported.exists)
            assert exported.read_text(encoding="utf-8") == app.clipboard

    async def test_keepers_are_reachable_with_the_keyboard(self) -> None:
        """Down from an answer goes into its items; the keepers are the palette's "Keepers"."""
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            main(app).columns[1].thread.focus()
            await pilot.press("end", "down")
            assert app.focused is view(app, 1).item_list
            await pilot.press("enter")
            assert [k.model for k in main(app).session.keepers] == ["flagship"]
            await main(app).run_action("focus_keepers")
            await pilot.pause()
            assert app.focused is main(app).keepers_pane.option_list


class TestSessions:
    async def test_the_session_is_saved_after_each_turn(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            (saved,) = saved_sessions()
            assert saved.id == main(app).session.id
            assert [r.text for r in saved.turns[0].replies] == [HEADLINES_SMALL, HEADLINES_FLAGSHIP]
            assert saved.egress == ["fake:flagship"]

    async def test_when_it_cannot_save_it_says_so_and_keeps_going(
        self, sparring_home: Path
    ) -> None:
        sparring_home.parent.mkdir(parents=True, exist_ok=True)
        sparring_home.write_text("a file where the sessions dir should be")
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            assert any("Not saved" in n.message for n in app._notifications)
            assert main(app).session.turns[0].replies[0].status == "ok"
            await follow_up(pilot, app, "again")
            assert len(main(app).session.turns) == 2

    async def test_the_browser_filters_sessions_fuzzily_newest_first(self) -> None:
        older = Session(
            id="aaaa0001", created="2026-01-01T10:00:00+00:00", title="headlines: trees"
        )
        newer = Session(id="aaaa0002", created="2026-02-01T10:00:00+00:00", title="counter: taxes")
        for session in (older, newer):
            store.save(session)
        entries = catalog.entries()
        assert [e.id for e in entries] == ["aaaa0002", "aaaa0001"]
        assert [e.id for e in fuzzy_filter(entries, "tres")] == ["aaaa0001"]
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+r")
            await until(
                pilot, lambda: isinstance(app.screen, SessionBrowser) and app.screen.entries
            )
            await pilot.press(*"taxes")
            assert [e.id for e in app.screen.shown] == ["aaaa0002"]  # type: ignore[attr-defined]
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)

    async def test_a_replayed_session_opens_read_only_and_stays_open_on_escape(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            session = main(app).session
        replay = make_app(FakeBackends({}), session=session, read_only=True)
        async with replay.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: main(replay).columns[0].replies)
            assert item_texts(main(replay).columns[0].replies[0])[0] == "☆ Trees cool the city ×2"
            assert main(replay).query_one(TextArea).read_only
            await pilot.press("escape", "f5", "f2")
            assert isinstance(replay.screen, MainScreen) and len(main(replay).columns) == 2
