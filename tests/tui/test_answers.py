"""Answers: streaming side by side, stopping, failing in their column, following up, privacy."""

from __future__ import annotations

import threading

import pytest
from rapidfuzz import fuzz

from sparring.config import Config, Privacy
from sparring.errors import AuthenticationFailed
from sparring.providers import ModelRef
from sparring.providers.base import Backend
from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen
from sparring.tui.screens.main import FRAME, FRAME_BESIDE_EMBEDDED, MainScreen

from . import fakes
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


class TestAnswers:
    async def test_both_columns_answer_the_task_with_the_rendered_prompt(self) -> None:
        backends = two_models()
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            replies = main(app).session.turns[0].replies
            assert [(r.model, r.status) for r in replies] == [("small", "ok"), ("flagship", "ok")]
            for model in ("small", "flagship"):
                (request,) = backends.requests[model]
                assert DRAFT in request.messages[-1].content

    async def test_each_column_says_which_model_and_where_it_runs(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            small, flagship = main(app).columns
            assert "local · on this machine" in str(small.query_one(".where").content)
            assert str(flagship.query_one(".where").content) == "cloud"
            await run_task(pilot, app)
            assert str(flagship.query_one(".where").content) == "cloud · fake:flagship"

    async def test_folded_duplicates_are_counted_and_shared_ideas_marked(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            small, flagship = item_texts(view(app, 0)), item_texts(view(app, 1))
            assert small[0] == "☆ Trees cool the city ×2"
            assert "☆ Shade is a public good ⇄ both" in small
            assert flagship[0] == "☆ Shade is a public good ⇄ both"
            assert not any("⇄" in text for text in flagship[1:])

    async def test_folding_and_matching_items_never_run_on_the_ui_thread(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        on_ui_thread: list[bool] = []
        for name in ("ratio", "token_sort_ratio"):  # what folding and matching compare with
            original = getattr(fuzz, name)

            def spy(*args: object, _original: object = original, **options: object) -> object:
                on_ui_thread.append(threading.current_thread() is threading.main_thread())
                return _original(*args, **options)  # type: ignore[operator]

            monkeypatch.setattr(fuzz, name, spy)
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            assert "☆ Shade is a public good ⇄ both" in item_texts(view(app, 0))
        assert on_ui_thread and not any(on_ui_thread)

    async def test_the_figures_under_a_column_come_from_its_reply(self) -> None:
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            small, flagship = (str(c.query_one(".figures").content) for c in main(app).columns)
            assert small == "ttft 0.25s · 40 tok/s · 41 tok · free"
            assert flagship == "ttft 0.25s · 40 tok/s · 41 tok · $0.0010"

    async def test_model_text_is_never_read_as_markup(self) -> None:
        text = "[bold red]not markup[/] and [link=x]no link[/link]"
        backends = two_models(small=Script([f"1. {text}\n"]))
        app = make_app(backends, models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            assert item_texts(view(app, 0)) == [f"☆ {text}"]

    async def test_ask_needs_an_instruction(self) -> None:
        backends = two_models()
        app = make_app(backends, task="ask")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            assert main(app).session.turns == []
            main(app).task_picker.instruction_input.value = "Is the tone right?"
            await run_task(pilot, app)
            assert backends.requests["small"][0].messages[-1].content.endswith("Is the tone right?")


class TestLeavingTheCpuToTheEmbeddedModel:
    @pytest.mark.parametrize(
        ("embedded", "interval"), [(True, FRAME_BESIDE_EMBEDDED), (False, FRAME)]
    )
    async def test_answers_are_redrawn_less_often_while_the_embedded_model_answers(
        self, embedded: bool, interval: float
    ) -> None:
        backends = two_models(
            small=Script(["First ", "more"], hold_after=1),
            flagship=Script(["Also ", "more"], hold_after=1),
        )

        def opened(ref: ModelRef, config: Config) -> Backend:
            backend = backends(ref, config)
            if embedded and ref.name == "small":
                backend.provider = "local"  # what the embedded model's backend is called
            return backend

        app = make_app(opened)  # type: ignore[arg-type]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: len(backends.deltas_sent) == 2)
            assert main(app).redraw_interval() == interval


class TestCancelling:
    async def test_escape_stops_the_streams_and_keeps_the_partial_answers(self) -> None:
        held = Script(["First ", "words ", "never ", "seen"], hold_after=2)
        backends = two_models(small=held, flagship=Script(["Also ", "partial"], hold_after=1))
        app = make_app(backends, task="ask")
        async with app.run_test(size=SIZE) as pilot:
            main(app).task_picker.instruction_input.value = "Say something"
            await pilot.press("f5")
            await until(pilot, lambda: view(app, 0).shown == "First words ")
            await pilot.press("escape")
            await until(pilot, idle(app))
            small, flagship = main(app).session.turns[0].replies
            assert (small.status, small.text) == ("cancelled", "First words ")
            assert (flagship.status, flagship.text) == ("cancelled", "Also ")
            assert view(app, 0).shown == "First words "
            assert saved_sessions()[0].turns[0].replies[0].text == "First words "


class TestErrors:
    async def test_a_failing_backend_shows_its_error_in_its_column_while_the_other_finishes(
        self,
    ) -> None:
        failure = AuthenticationFailed(
            "the fake cloud rejected the API key", hint="set FAKE_API_KEY"
        )
        backends = two_models(flagship=Script([], location="cloud", fail=failure))
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            small, flagship = main(app).session.turns[0].replies
            assert small.status == "ok" and len(small.items) == 4
            assert flagship.status == "error"
            shown = str(view(app, 1).status.content)
            assert "the fake cloud rejected the API key" in shown and "set FAKE_API_KEY" in shown
            assert view(app, 1).status.has_class("failed")
            assert app.is_running

    async def test_an_unknown_model_is_refused_in_its_column_and_the_other_runs(self) -> None:
        backends = two_models()
        app = make_app(backends, models=["small", "nosuchmodel"])
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            assert "unknown model 'nosuchmodel'" in str(view(app, 1).status.content)
            assert answered(app, 0).status == "ok"
            assert [r.model for r in saved_sessions()[0].turns[0].replies] == [
                "small",
                "nosuchmodel",
            ]

    async def test_local_only_refuses_the_cloud_column_before_sending_anything(self) -> None:
        backends = two_models()
        app = make_app(backends, privacy=Privacy(local_only=True))
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            assert "local-only refuses it" in str(view(app, 1).status.content)
            assert "flagship" not in backends.requests
            assert answered(app, 0).status == "ok"


class TestFollowUps:
    async def test_a_follow_up_to_one_column_runs_only_that_column(self) -> None:
        backends = two_models(small=[Script(chunks(HEADLINES_SMALL)), Script(["Only me"])])
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            await follow_up(pilot, app, "why?", to="small")
            turn = main(app).session.turns[1]
            assert (turn.task, turn.to, [r.model for r in turn.replies]) == (
                "follow-up",
                "small",
                ["small"],
            )
            assert [len(column.replies) for column in main(app).columns] == [2, 1]
            assert view(app, 0).text == "Only me"
            assert len(backends.requests["flagship"]) == 1

    async def test_a_follow_up_before_any_task_is_refused(self) -> None:
        backends = two_models()
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            main(app).follow_up.input.focus()
            await pilot.press(*"hello", "enter")
            assert main(app).session.turns == [] and backends.requests == {}
            assert main(app).follow_up.input.value == "hello"


class TestPrivacy:
    async def test_the_draft_goes_to_the_cloud_only_after_the_writer_says_yes_once(self) -> None:
        backends = two_models(
            flagship=[
                Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
                Script(["Again"], location="cloud"),
            ]
        )
        app = make_app(backends, config=fakes.config(privacy="ask"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            # Asked before anything streams: no column says "streaming…" meanwhile.
            await until(pilot, lambda: isinstance(app.screen, ConfirmEgressScreen))
            assert "fakecloud:big-model" in "\n".join(app.screen.request.describe())  # type: ignore[attr-defined]
            # Nothing is asked meanwhile; the cloud model is not even opened (the local one
            # may be, to load it ahead).
            assert backends.requests == {} and app.screen_stack[-2].session.turns == []  # type: ignore[attr-defined]
            assert "flagship" not in {backend.model for backend in backends.opened}
            await pilot.press("y")
            await until(pilot, idle(app))
            assert main(app).session.egress == ["fake:flagship"]
            assert answered(app, 1).status == "ok"
            await follow_up(pilot, app, "again")
            assert view(app, 1).text == "Again"

    async def test_saying_no_keeps_the_draft_here_and_the_column_says_so(self) -> None:
        backends = two_models()
        app = make_app(backends, config=fakes.config(privacy="ask"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, ConfirmEgressScreen))
            await pilot.press("n")
            await until(pilot, idle(app))
            assert "was not sent" in str(view(app, 1).status.content)
            assert "flagship" not in backends.requests and main(app).session.egress == []
            assert answered(app, 0).status == "ok"

    async def test_stopping_while_a_late_question_is_open_closes_it(self) -> None:
        """A model found to be in the cloud only when it opens (an Ollama `-cloud` model)
        is asked about then, by the engine's gate; stopping closes that question."""
        backends = FakeBackends({"small": Script(["slow"], location="cloud")})
        app = make_app(backends, config=fakes.config(privacy="ask"), models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, ConfirmEgressScreen))
            main_screen = app.screen_stack[-2]
            assert isinstance(main_screen, MainScreen)
            main_screen.action_stop()
            await until(pilot, lambda: isinstance(app.screen, MainScreen) and idle(app)())
            assert [r.status for r in main(app).session.turns[0].replies] == ["cancelled"]

    async def test_a_late_no_is_said_in_the_apps_words(self) -> None:
        backends = FakeBackends({"small": Script(["slow"], location="cloud")})
        app = make_app(backends, config=fakes.config(privacy="ask"), models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, ConfirmEgressScreen))
            await pilot.press("n")
            await until(pilot, idle(app))
            status = str(view(app, 0).status.content)
            assert "you kept it on this machine (F7 picks a model that runs here)" in status
            assert "-m local" not in status
