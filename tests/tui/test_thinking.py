"""A reasoning model in the app: its thinking on a line of its own, its cut answers marked."""

from __future__ import annotations

from sparring.tui.widgets.thinking import ThinkingView

from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, Script, chunks
from .helpers import SIZE, answered, main, make_app, run_task, two_models, until, view

THOUGHTS = ["Trees, shade, ", "cost; the council ", "will ask about upkeep."]


class TestThinking:
    async def test_thinking_shows_on_a_closed_line_above_the_answer_and_opens(self) -> None:
        app = make_app(two_models(small=Script(chunks(HEADLINES_SMALL), thinking=THOUGHTS)))
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            small = view(app, 0)
            line = small.query_one(ThinkingView)
            assert line.display and line.collapsed
            assert line.summary.startswith("thought")
            # The answer and its items hold none of the thinking.
            reply = answered(app, 0)
            assert reply.thinking == "".join(THOUGHTS)
            assert all("upkeep" not in item.text for item in reply.items)
            line.collapsed = False
            await until(pilot, lambda: "upkeep" in str(line.query_one(".thought").content))
            # An answer without thinking has no such line.
            assert not view(app, 1).query_one(ThinkingView).display

    async def test_the_line_says_thinking_while_the_model_thinks(self) -> None:
        backends = two_models(
            small=Script(chunks(HEADLINES_SMALL), thinking=THOUGHTS, hold_after=0),
            flagship=Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
        )
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            line = view(app, 0).query_one(ThinkingView)
            await until(pilot, lambda: line.summary.startswith("thinking ·"))
            backends.held().set()
            await until(pilot, lambda: main(app).running_turn is None)
            assert line.summary.startswith("thought")

    async def test_f6_sets_how_much_the_next_run_thinks(self) -> None:
        backends = two_models()
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f6", "f6")
            assert main(app).task_picker.border_title == "Task · think low"
            await run_task(pilot, app)
            assert main(app).session.turns[-1].think == "low"
            assert backends.requests["small"][-1].think == "low"


class TestCutAnswers:
    async def test_an_answer_cut_at_the_token_limit_says_so_in_its_column(self) -> None:
        app = make_app(two_models(small=Script(chunks(HEADLINES_SMALL), stop="length")))
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            assert answered(app, 0).status == "cut"
            assert "cut short" in str(view(app, 0).status.content)
            assert answered(app, 1).status == "ok"
