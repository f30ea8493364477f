"""What the main screen looks like once a scripted answer has streamed.

The fake backends report fixed figures, the screen shows no clock and no
session ID, so each picture is the same on every run. Regenerate with
`pytest tests/tui --snapshot-update` after a deliberate change, and look
at the SVGs before committing them.
"""

from __future__ import annotations

from textual.pilot import Pilot

from sparring.tui.app import SparringApp

from .fakes import FakeBackends, Script, chunks
from .helpers import SIZE, main, make_app, run_task, two_models

CRITIQUE = (
    "The draft argues **clearly**, but:\n\n"
    "- the second paragraph has no source\n"
    "- the title promises more than it gives\n\n"
    "Try ending on the strongest number."
)


async def rest_focus(pilot: Pilot, app: SparringApp) -> None:
    """Focus an answer: a focused text field's blinking cursor would differ between runs."""
    main(app).columns[0].thread.focus()
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

    def test_two_columns_after_a_list_answer(self, snap_compare) -> None:  # type: ignore[no-untyped-def]
        app = make_app(two_models())

        async def run_before(pilot: Pilot) -> None:
            await run_task(pilot, app)
            await rest_focus(pilot, app)

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

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
