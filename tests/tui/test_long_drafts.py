"""Long drafts, section by section: F5 on a draft longer than a column's model takes offers
its parts, runs each in turn, and every column heads each part's answer with its section."""

from __future__ import annotations

import dataclasses

from sparring.config import Config, ModelSettings
from sparring.errors import ContextTooLong
from sparring.prompts import load_all
from sparring.providers import ModelRef
from sparring.providers.base import Backend
from sparring.sessions.turns import section_turns
from sparring.tui.app import SparringApp
from sparring.tui.dialogs.sections import SectionsScreen
from sparring.tui.hints import said

from . import fakes
from .fakes import FakeBackends, Script, chunks
from .helpers import SIZE, idle, main, make_app, until

TITLES = ("Shade", "Costs", "Roots", "Who plants")
#: What the small model takes: its window less the answer's budget (max_tokens).
ROOM = 900


def section(number: int, title: str) -> str:
    sentences = " ".join(
        f"Sentence {number}-{index} says something about {title.lower()}." for index in range(30)
    )
    return f"## {title}\n\n{sentences}\n\n"


LONG_DRAFT = "".join(section(number, title) for number, title in enumerate(TITLES, start=1))


def counter_reply(number: int, title: str) -> Script:
    quote = f"Sentence {number}-3 says something about {title.lower()}"
    return Script(chunks(f'1. "{quote}" - is that so?\n2. A point about {title}.\n'))


def long_draft_app(**scripts: Script | list[Script]) -> SparringApp:
    config = fakes.config()
    window = config.max_tokens + ROOM
    config = dataclasses.replace(config, models={"small": ModelSettings(context=window)})
    replies = [counter_reply(number, title) for number, title in enumerate(TITLES, start=1)]
    backends = FakeBackends(
        {
            "small": scripts.get("small", replies),
            "flagship": scripts.get(
                "flagship", Script(chunks("1. One more point.\n"), location="cloud")
            ),
        }
    )
    return make_app(backends, config=config, context=LONG_DRAFT, task="counter")


def headings(app: SparringApp, column: int) -> list[str]:
    return [str(view.query_one(".heading").content) for view in main(app).columns[column].replies]


class TestTheOffer:
    def test_the_draft_is_longer_than_the_small_models_room(self) -> None:
        turns = section_turns(load_all()["counter"], LONG_DRAFT, ["small"], ROOM)
        assert [turn.section for turn in turns] == list(TITLES)

    async def test_f5_offers_the_parts_and_names_the_model_that_cannot_take_it(self) -> None:
        app = long_draft_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            question = app.screen.question  # type: ignore[attr-defined]
            assert f"small takes ~{ROOM}." in question
            assert "Run it section by section (4 parts)?" in question
            assert question.startswith("The draft is ~")

    async def test_cancel_runs_nothing(self) -> None:
        app = long_draft_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            await pilot.press("c")
            screen = main(app)
            await until(pilot, lambda: screen.running_turn is None)
            assert screen.session.turns == []
            assert screen.check_action("run", ())

    async def test_a_draft_that_fits_is_run_whole_without_asking(self) -> None:
        app = long_draft_app()
        app.initial_context = "## Shade\n\nShade lowers the temperature of a street.\n"
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, idle(app))
            (turn,) = main(app).session.turns
            assert (turn.part, turn.parts) == (0, 0)


class SlowToAsk(FakeBackends):
    """Backends that take their time to say how much they take (an Ollama server that does
    not answer /api/show), until the test lets them."""

    def __call__(self, ref: ModelRef, config: Config) -> Backend:
        backend = super().__call__(ref, config)
        release = self.release

        async def prepare() -> None:
            await release.wait()

        backend.prepare = prepare  # type: ignore[method-assign]
        return backend


class TestAskingTheModels:
    async def test_escape_while_the_models_are_asked_runs_nothing(self) -> None:
        backends = SlowToAsk({"small": Script(["1. Fine.\n"]), "flagship": Script(["1. Ok.\n"])})
        app = make_app(backends, context=LONG_DRAFT, task="counter")
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await pilot.press("f5")
            await until(pilot, lambda: screen.running_turn == -1 and backends.opened)
            await pilot.press("escape")
            await until(pilot, lambda: screen.running_turn is None)
            assert screen.session.turns == []
            assert screen.check_action("run", ())


class TestRunningTheParts:
    async def test_every_part_is_answered_in_every_column_under_its_section(self) -> None:
        app = long_draft_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            await pilot.press("s")
            screen = main(app)
            await until(pilot, lambda: len(screen.session.turns) == 4 and idle(app)())
            turns = screen.session.turns
            assert [(t.part, t.parts, t.section) for t in turns] == [
                (number, 4, title) for number, title in enumerate(TITLES, start=1)
            ]
            expected = [
                f"counter · part {number}/4 · {title}"
                for number, title in enumerate(TITLES, start=1)
            ]
            assert headings(app, 0) == expected
            assert headings(app, 1) == expected
            for number, (turn, title) in enumerate(zip(turns, TITLES, strict=True), start=1):
                assert [reply.status for reply in turn.replies] == ["ok", "ok"]
                small = turn.replies[0]
                assert {item.section for item in small.items} == {title}
                # Pinned to the whole draft: the quote is found in its own section.
                start, end = small.items[0].anchor  # type: ignore[misc]
                assert LONG_DRAFT[start:end] == f"Sentence {number}-3 says something about " + (
                    title.lower()
                )
                assert f"## {title}" in turn.user and f"## {TITLES[number % 4]}" not in turn.user

    async def test_the_parts_are_saved_with_the_session(self) -> None:
        from .helpers import saved_sessions

        app = long_draft_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            await pilot.press("s")
            await until(pilot, lambda: len(main(app).session.turns) == 4 and idle(app)())
        (saved,) = saved_sessions()
        assert [(t.part, t.section) for t in saved.turns] == list(enumerate(TITLES, start=1))
        assert saved.turns[1].replies[0].items[0].section == "Costs"

    async def test_once_chosen_the_next_run_goes_by_sections_without_asking(self) -> None:
        app = long_draft_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            await pilot.press("s")
            screen = main(app)
            await until(pilot, lambda: len(screen.session.turns) == 4 and idle(app)())
            await pilot.press("f5")
            await until(pilot, lambda: len(screen.session.turns) == 8 and idle(app)())
            assert not isinstance(app.screen, SectionsScreen)

    async def test_escape_stops_the_running_part_and_the_ones_after_it(self) -> None:
        held = Script(chunks('1. "Sentence 1-3 says" - held.\n'), hold_after=1)
        app = long_draft_app(small=held)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            await pilot.press("s")
            screen = main(app)
            await until(pilot, lambda: screen.running_turn == 0 and screen.streams)
            await until(pilot, lambda: view_text(app) != "")
            await pilot.press("escape")
            await until(pilot, lambda: screen.running_turn is None)
            (turn,) = screen.session.turns
            assert turn.part == 1
            assert turn.replies[0].status == "cancelled"


class TestABookChapter:
    async def test_a_12000_word_draft_gets_answers_for_every_section_tagged_by_section(
        self,
    ) -> None:
        titles = [f"Chapter part {number}" for number in range(1, 13)]
        sentences = [
            [f"Point {s}.{i} weighs the matter of section {s} in plain words." for i in range(100)]
            for s in range(1, 13)
        ]
        draft = "".join(
            f"# {title}\n\n" + " ".join(lines) + "\n\n"
            for title, lines in zip(titles, sentences, strict=True)
        )
        assert len(draft.split()) >= 12_000
        room = 3000
        parts = section_turns(load_all()["counter"], draft, ["small"], room)
        assert [turn.section for turn in parts] == titles
        replies = [
            Script([f'1. "{lines[7][:-1]}" - says who?\n2. Too long.\n']) for lines in sentences
        ]
        config = fakes.config()
        config = dataclasses.replace(
            config, models={"small": ModelSettings(context=config.max_tokens + room)}
        )
        backends = FakeBackends(
            {"small": replies, "flagship": Script(["1. Fine.\n"], location="cloud")}
        )
        app = make_app(backends, config=config, context=draft, task="counter")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, SectionsScreen))
            await pilot.press("s")
            screen = main(app)
            await until(pilot, lambda: len(screen.session.turns) == 12 and idle(app)(), 60)
            assert headings(app, 0)[-1] == "counter · part 12/12 · Chapter part 12"
            for turn, title, lines in zip(screen.session.turns, titles, sentences, strict=True):
                small = turn.replies[0]
                assert small.status == "ok" and {item.section for item in small.items} == {title}
                start, end = small.items[0].anchor  # type: ignore[misc]
                assert draft[start:end] == lines[7][:-1]


def view_text(app: SparringApp) -> str:
    return main(app).columns[0].replies[-1].text


class TestHints:
    def test_the_advice_to_run_by_sections_names_the_apps_way(self) -> None:
        error = ContextTooLong(
            "small: the prompt did not fit",
            hint="run it section by section: --sections, or use a model with a larger "
            "context window",
        )
        shown = said(error.one_line())
        assert "--sections" not in shown
        assert "F5 offers it" in shown
