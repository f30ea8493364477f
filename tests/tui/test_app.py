"""The app as a whole, driven with Pilot against scripted fake backends: a writer's session
end to end, the draft, columns, quitting, the palette, and staying responsive."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, Static

from sparring.sessions.model import Session
from sparring.tui.app import SparringApp
from sparring.tui.dialogs.browser import SessionBrowser
from sparring.tui.dialogs.model_picker import ModelPicker
from sparring.tui.dialogs.open_file import OpenFileScreen
from sparring.tui.screens.main import MainScreen

from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, FakeBackends, Script, chunks
from .helpers import (
    DRAFT,
    SIZE,
    answered,
    follow_up,
    idle,
    item_texts,
    main,
    make_app,
    run_task,
    saved_sessions,
    two_models,
    until,
    view,
)


class TestWholeSession:
    async def test_a_writer_drafts_compares_cancels_follows_up_keeps_and_reopens(
        self, tmp_path: Path
    ) -> None:
        """The issue's walk-through, end to end, with the keyboard."""
        draft = tmp_path / "draft.md"
        draft.write_text(DRAFT, encoding="utf-8")
        backends = two_models(
            small=[Script(chunks(HEADLINES_SMALL)), Script(["Shorter: ", "Trees cool."])],
            flagship=[
                Script(chunks(HEADLINES_FLAGSHIP), location="cloud", hold_after=2),
                Script(["Canopy now."], location="cloud"),
            ],
        )
        app = make_app(backends, context="")
        async with app.run_test(size=SIZE) as pilot:
            # Load the draft from a file.
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
            app.screen.query_one(Input).value = str(draft)
            await pilot.press("enter")
            await until(
                pilot,
                lambda: isinstance(app.screen, MainScreen) and main(app).context_pane.text == DRAFT,
            )
            assert main(app).context_pane.sources == [str(draft)]

            # Run the task on both models; the flagship stalls half-way.
            await pilot.press("f5")
            partial = "".join(chunks(HEADLINES_FLAGSHIP)[:2])
            await until(
                pilot,
                lambda: view(app, 0).reply is not None and view(app, 1).shown == partial,
            )
            assert answered(app, 0).status == "ok"
            assert "Trees cool the city ×2" in item_texts(view(app, 0))[0]

            # Escape cancels the stalled stream; its partial text stays.
            await pilot.press("escape")
            await until(pilot, idle(app))
            flagship = main(app).session.turns[0].replies[1]
            assert (flagship.status, flagship.text) == ("cancelled", partial)
            assert "cancelled" in str(view(app, 1).status.content)

            # A follow-up to both columns: each model continues its own thread.
            await follow_up(pilot, app, "shorter please")
            assert view(app, 0).text == "Shorter: Trees cool."
            assert view(app, 1).text == "Canopy now."
            small_thread = [m.content for m in backends.requests["small"][1].messages]
            assert HEADLINES_SMALL in small_thread and partial not in small_thread
            flagship_thread = [m.content for m in backends.requests["flagship"][1].messages]
            assert partial in flagship_thread and HEADLINES_SMALL not in flagship_thread

            # Star an item: it is a keeper, and it is in the saved session.
            items = view(app, 0, turn=0).item_list
            items.focus()
            await pilot.press("down", "enter")
            kept = answered(app, 0, turn=0).items[items.highlighted or 0].text
            assert [k.text for k in main(app).session.keepers] == [kept]
            assert main(app).keepers_pane.option_list.option_count == 1
            await until(pilot, lambda: [k.text for k in saved_sessions()[0].keepers] == [kept])

            # Reopen it from the browser: read-only, as it was.
            await pilot.press("ctrl+r")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, SessionBrowser) and app.screen.option_list.option_count
                ),
            )
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.read_only)
            replay = main(app)
            assert [column.model for column in replay.columns] == ["small", "flagship"]
            assert [k.text for k in replay.session.keepers] == [kept]
            assert replay.context_pane.text_area.read_only
            assert replay.follow_up.input.disabled
            assert [len(column.replies) for column in replay.columns] == [2, 2]
            assert replay.columns[1].replies[0].reply.status == "cancelled"  # type: ignore[union-attr]
            assert any(text.startswith("★") for text in item_texts(replay.columns[0].replies[0]))
            await pilot.press("f5")
            assert len(replay.session.turns) == 2 and replay.running_turn is None

            await pilot.press("escape")
            await until(
                pilot, lambda: isinstance(app.screen, MainScreen) and not app.screen.read_only
            )


class TestDraft:
    async def test_the_draft_from_the_arguments_fills_the_context_pane(self) -> None:
        app = make_app(two_models(), sources=["draft.md"])
        async with app.run_test(size=SIZE):
            assert main(app).context_pane.text == DRAFT
            assert main(app).context_pane.sources == ["draft.md"]

    async def test_a_file_that_is_not_utf8_is_refused_and_the_draft_stays(
        self, tmp_path: Path
    ) -> None:
        binary = tmp_path / "image.bin"
        binary.write_bytes(b"\xff\xfe\x00 not text")
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
            app.screen.query_one(Input).value = str(binary)
            await pilot.press("enter")
            await until(pilot, lambda: any("UTF-8" in n.message for n in app._notifications))
            assert main(app).context_pane.text == DRAFT

    async def test_an_empty_draft_is_not_sent(self) -> None:
        backends = two_models()
        app = make_app(backends, context="")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            assert main(app).session.turns == [] and backends.requests == {}
            assert any("draft is empty" in n.message for n in app._notifications)


async def pick(pilot: Pilot, app: SparringApp, key: str, typed: str) -> None:
    """Open the model picker with `key`, filter it with `typed`, and take the first match."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ModelPicker))
    await pilot.press(*typed)
    await until(pilot, lambda: app.screen.option_list.highlighted is not None)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, MainScreen))


class TestColumns:
    async def test_f2_asks_which_model_then_adds_its_column_and_f3_removes_it(self) -> None:
        app = make_app(two_models(), models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await pick(pilot, app, "f2", "flagship")
            columns = main(app).columns
            assert [c.model for c in columns] == ["small", "flagship"]
            assert app.focused is columns[1].thread
            assert main(app).follow_up.targets == ["", "small", "flagship"]
            await pilot.press("f3")
            assert [c.model for c in main(app).columns] == ["small"]
            await pilot.press("f3")
            assert len(main(app).columns) == 1

    async def test_escape_in_the_picker_adds_nothing(self) -> None:
        app = make_app(two_models(), models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker))
            await pilot.press("escape")
            assert [c.model for c in main(app).columns] == ["small"]

    async def test_f7_picks_the_model_of_the_focused_column(self) -> None:
        backends = FakeBackends({"small": Script(["ok"]), "local": Script(["also ok"])})
        app = make_app(backends, models=["small"], task="ask")
        async with app.run_test(size=SIZE) as pilot:
            await pick(pilot, app, "f7", "embedded")
            assert main(app).columns[0].model == "local"
            assert "local" in str(main(app).columns[0].query_one(".model", Static).content)
            main(app).task_picker.instruction_input.value = "go"
            await run_task(pilot, app)
            assert view(app, 0).text == "also ok"

    async def test_a_name_that_is_not_listed_can_be_typed(self) -> None:
        app = make_app(two_models(), models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker))
            await pilot.press(*"ollama:not-pulled-yet", "enter")
            assert main(app).columns[0].model == "ollama:not-pulled-yet"

    async def test_a_click_on_the_name_opens_the_picker(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.click(".column .model")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker))


class TestQuitting:
    async def test_ctrl_q_quits_with_exit_code_0(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+q")
        assert app.return_code == 0

    async def test_quitting_mid_answer_keeps_what_arrived_in_the_saved_session(self) -> None:
        backends = two_models(small=Script(["kept ", "lost"], hold_after=1))
        app = make_app(backends, task="ask", models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            main(app).task_picker.instruction_input.value = "go"
            await pilot.press("f5")
            await until(pilot, lambda: view(app, 0).shown == "kept ")
            await pilot.press("ctrl+q")
        (saved,) = saved_sessions()
        assert (saved.turns[0].replies[0].status, saved.turns[0].replies[0].text) == (
            "cancelled",
            "kept ",
        )


class TestPalette:
    async def test_the_command_palette_offers_the_screen_actions(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            titles = [command.title for command in app.get_system_commands(app.screen)]
            for title in ("Run task", "Open file", "Sessions", "Keep", "Export keepers"):
                assert title in titles
            for title in ("Pick a model", "Follow up", "Draft panel", "Keepers", "Stats"):
                assert title in titles
            assert "Stop" not in titles  # only while answers stream
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*"sessions")
            await until(pilot, lambda: app.screen.query_one(CommandList).option_count)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SessionBrowser))

    async def test_a_read_only_session_offers_no_editing_commands(self) -> None:
        app = make_app(FakeBackends({}), session=Session(title="old"), read_only=True)
        async with app.run_test(size=SIZE):
            titles = [command.title for command in app.get_system_commands(app.screen)]
            assert "Sessions" in titles and "Copy keepers" in titles
            assert "Run task" not in titles and "Keep" not in titles


class TestResponsiveness:
    @pytest.mark.timeout(120)
    async def test_keys_stay_responsive_while_two_columns_stream_thousands_of_tokens(
        self,
    ) -> None:
        tokens, held_at = 2000, 1500
        words = [f"word{n}{chr(10) * 2 if n % 40 == 39 else ' '}" for n in range(tokens)]
        backends = two_models(
            small=Script(words, every=0.001, hold_after=held_at),
            flagship=Script(words, every=0.001, hold_after=held_at, location="cloud"),
        )
        streamed_when_typed: dict[str, int] = {}

        def record(message: Message) -> None:
            if isinstance(message, Input.Changed) and message.input.id == "follow-up-text":
                streamed_when_typed.setdefault(message.value, backends.deltas_sent["small"])

        app = make_app(backends, task="ask")
        async with app.run_test(size=SIZE, message_hook=record) as pilot:
            main(app).task_picker.instruction_input.value = "go on"
            await pilot.press("f5")
            await until(pilot, lambda: backends.deltas_sent.get("small", 0) > 100)
            main(app).follow_up.input.focus()
            for character in "typing":
                app.post_message(events.Key(character, character))
            await until(pilot, lambda: "typing" in streamed_when_typed)
            # The keys were handled while the answers were still pouring in.
            assert streamed_when_typed["typing"] < held_at
            backends.held().set()
            await until(pilot, idle(app), timeout=60)
            small, flagship = main(app).session.turns[0].replies
            assert small.status == flagship.status == "ok"
            assert view(app, 0).shown == small.text == "".join(words)
