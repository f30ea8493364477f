"""What the main screen looks like once a scripted answer has streamed.

The fake backends report fixed figures, the screen shows no clock and no
session ID, so each picture is the same on every run. Regenerate with
`pytest tests/tui --snapshot-update` after a deliberate change, and look
at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from textual.pilot import Pilot

from sparring.judging import blind
from sparring.tui.app import SparringApp
from sparring.tui.dialogs.model_picker import ASKED, ModelPicker

from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, FakeBackends, Script, chunks
from .helpers import SIZE, main, make_app, run_task, two_models, until
from .test_pins import counter_app

SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SIZE, SMALL], ids=["120x36", "80x24"])

CRITIQUE = (
    "The draft argues **clearly**, but:\n\n"
    "- the second paragraph has no source\n"
    "- the title promises more than it gives\n\n"
    "Try ending on the strongest number."
)


async def rest_focus(pilot: Pilot, app: SparringApp) -> None:
    """Focus an answer: a focused text field's blinking cursor would differ between runs.

    The notices (toasts) go too: they would cover what the picture is of.
    """
    main(app).columns[0].thread.focus()
    app.clear_notifications()
    await pilot.pause()


class TestMainScreen:
    def test_one_column_after_a_text_answer(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        app = make_app(
            FakeBackends({"small": Script(chunks(CRITIQUE))}), models=["small"], task="ask"
        )

        async def run_before(pilot: Pilot) -> None:
            main(app).task_picker.instruction_input.value = "What is weak here?"
            await run_task(pilot, app)
            await rest_focus(pilot, app)

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    @SIZES
    def test_two_columns_after_a_list_answer(self, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
        """At 80 columns the draft is folded away and the figures fit one line."""
        app = make_app(two_models())

        async def run_before(pilot: Pilot) -> None:
            await run_task(pilot, app)
            await rest_focus(pilot, app)

        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @SIZES
    def test_before_the_first_run(self, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
        """What a new writer sees first: the draft, the task and Run, what to press."""
        app = make_app(two_models())

        async def run_before(pilot: Pilot) -> None:
            await rest_focus(pilot, app)

        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_two_columns_with_an_error_and_a_keeper(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        from sparring.errors import AuthenticationFailed

        failure = AuthenticationFailed(
            "the fake cloud rejected the API key", hint="set FAKE_API_KEY"
        )
        app = make_app(two_models(flagship=Script([], location="cloud", fail=failure)))

        async def run_before(pilot: Pilot) -> None:
            await run_task(pilot, app)
            main(app).columns[0].replies[0].item_list.focus()
            await pilot.press("down", "enter")

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


class TestBlindMode:
    @SIZES
    def test_the_vote_is_asked_with_a_and_b_and_nothing_names_them(  # type: ignore[no-untyped-def]
        self, snap_compare, size, monkeypatch
    ) -> None:
        """After an open turn and a keeper, a blind turn: empty columns, A and B, the question."""

        def in_order(models: Sequence[str], rng: object = None) -> list[str]:
            return list(models)  # A is the first column's model: the same picture every run

        monkeypatch.setattr(blind, "draw_order", in_order)
        backends = two_models(
            small=[Script(chunks(HEADLINES_SMALL)), Script(["1. Shade first\n2. Cool streets\n"])],
            flagship=[
                Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
                Script(["1. The canopy dividend\n"], location="cloud"),
            ],
        )
        app = make_app(backends)

        async def run_before(pilot: Pilot) -> None:
            await run_task(pilot, app)
            main(app).columns[0].replies[0].item_list.focus()
            await pilot.press("enter")
            await pilot.press("f8")
            await run_task(pilot, app)
            app.clear_notifications()
            await pilot.pause()

        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestPinnedFindings:
    def test_the_item_in_focus_highlights_its_passage_in_the_draft(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """The second counter-argument in focus: its words highlighted in the draft, each
        item's quote under it, the unanchored one said so, the shared passage marked."""
        app = counter_app()

        async def run_before(pilot: Pilot) -> None:
            await run_task(pilot, app)
            app.clear_notifications()
            main(app).columns[0].replies[0].item_list.focus()
            await pilot.press("down")
            await until(pilot, lambda: main(app).context_pane.text_area.selected_text != "")
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_at_80_columns_ctrl_g_brings_the_draft_back_at_the_passage(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        app = counter_app()

        async def run_before(pilot: Pilot) -> None:
            await run_task(pilot, app)
            app.clear_notifications()
            area = main(app).context_pane.text_area
            area.cursor_blink = False  # a blinking cursor would differ between runs
            main(app).columns[1].replies[0].item_list.focus()
            await pilot.press("ctrl+g")
            await until(pilot, lambda: app.focused is area and area.selected_text != "")
            await pilot.pause()

        assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


class TestModelPicker:
    @SIZES
    def test_what_can_be_used_now_with_where_it_runs(  # type: ignore[no-untyped-def]
        self, snap_compare, size, monkeypatch
    ) -> None:
        """The embedded model, the aliases, each cloud provider (or what to set for it), and a
        line for each server that did not answer."""
        monkeypatch.delenv("ANTHROPIC_API_KEY")  # its models would list the whole price list
        app = make_app(two_models())

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker))
            await until(pilot, lambda: str(app.screen.query_one(".hint").content) == ASKED)  # type: ignore[attr-defined]
            await pilot.pause()

        assert snap_compare(app, terminal_size=size, run_before=run_before)
