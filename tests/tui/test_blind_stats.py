"""Blind turns and the stats panel, driven with Pilot against scripted fake backends."""

from __future__ import annotations

import html
import re

from textual.widgets import Input, Static

from sparring.sessions import store
from sparring.sessions.model import Context, Reply, Session, Turn, Vote
from sparring.tui.app import SparringApp
from sparring.tui.blind_mode import ANSWERING
from sparring.tui.dialogs.stats import StatsScreen
from sparring.tui.screens.main import MainScreen
from sparring.tui.widgets.column import AnswerColumn

from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, Script, chunks
from .helpers import DRAFT, SIZE, idle, main, make_app, run_task, saved_sessions, two_models, until

# What would tell the two models apart: their names, where they run, their figures.
GIVEAWAYS = ("small", "flagship", "big-model", "local", "cloud", "ttft", "tok/s", "free", "$")
GOOD_ENOUGH = "headlines: the local model is good enough (won or tied 100% of 10 blind votes)"


def header_text(column: AnswerColumn) -> str:
    """What the column's header shows: its label or model field, and where it runs."""
    shown = []
    for widget in column.query(".blind-label, .model, .where"):
        if not widget.display:
            continue
        if isinstance(widget, Input):
            shown.append(widget.value)
        elif isinstance(widget, Static):
            shown.append(str(widget.content))
    return " ".join(part for part in shown if part)


def screen_text(app: SparringApp) -> str:
    """Every character on the screen, as drawn."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r">([^<]*)</text>", svg))).replace("\xa0", " ")


def assert_anonymous(app: SparringApp) -> None:
    screen = main(app)
    assert [header_text(column) for column in screen.columns] == ["A", "B"]
    assert [str(column.query_one(".figures", Static).content) for column in screen.columns] == [
        "",
        "",
    ]
    drawn = screen_text(app)
    for giveaway in GIVEAWAYS:
        assert giveaway not in drawn, f"{giveaway!r} is on the screen before the vote"


def blind_session(local_won: bool) -> Session:
    """A saved headlines turn, small (local) against flagship (cloud), with a blind vote."""
    turn = Turn(
        task="headlines",
        user="Write headlines.",
        output="list",
        replies=[
            Reply(model="small", backend="fake:small", location="local", status="ok", text="1. T"),
            Reply(
                model="flagship",
                backend="fake:flagship",
                location="cloud",
                status="ok",
                text="1. Shade",
            ),
        ],
    )
    choice = "A" if local_won else "B"
    vote = Vote(turn=0, order=["small", "flagship"], choice=choice, blind=True)
    return Session(context=Context(DRAFT, []), turns=[turn], votes=[vote])


class TestBlindTurns:
    async def test_a_blind_run_shows_a_and_b_only_until_the_vote_then_the_names(self) -> None:
        """Nothing names a model while streaming or before the vote; the vote is saved as seen."""
        backends = two_models(
            flagship=Script(chunks(HEADLINES_FLAGSHIP), location="cloud", hold_after=2)
        )
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await pilot.press("f8")
            assert screen.blind.armed
            await pilot.press("f5")

            # The small model has finished; the flagship is held half-way.
            def small_done() -> bool:
                turns = screen.session.turns
                return bool(turns) and any(
                    reply.model == "small" and reply.status == "ok" for reply in turns[0].replies
                )

            await until(pilot, lambda: small_done() and backends.deltas_sent.get("flagship") == 2)
            # A few frames (one each 0.1 s) pass: the small model's text must stay held back.
            for _frame in range(3):
                await pilot.pause(0.1)
            assert_anonymous(app)
            for column in screen.columns:
                view = column.replies[-1]
                assert view.shown == ""
                assert str(view.status.content) == ANSWERING

            # Both have answered: the text shows, the names still do not.
            backends.held().set()
            await until(pilot, idle(app))
            assert_anonymous(app)
            assert all(column.replies[-1].reply is not None for column in screen.columns)
            vote = screen.blind.vote
            assert vote is not None
            order = list(vote.order)
            pending = saved_sessions()[0].votes[0]
            assert (pending.order, pending.choice) == (order, "")

            screen.columns[0].thread.focus()
            await pilot.press("a")
            await until(pilot, lambda: screen.blind.vote is None)

            saved = saved_sessions()[0].votes[0]
            assert (saved.turn, saved.order, saved.choice, saved.blind) == (0, order, "A", True)
            headers = [header_text(column) for column in screen.columns]
            assert headers[0].startswith(order[0]) and headers[1].startswith(order[1])
            assert any("cloud" in header for header in headers)
            assert "flagship" in screen_text(app) and "small" in screen_text(app)
            figures = [
                str(column.query_one(".figures", Static).content) for column in screen.columns
            ]
            assert all("ttft" in text for text in figures)

    async def test_a_blind_turn_starts_on_empty_columns_and_asks_for_the_vote(self) -> None:
        """Earlier answers (which name their models) are hidden until the vote, the keepers
        say A and B, and when both answers are in the screen asks, with a/b/t/n in the footer."""
        backends = two_models(
            small=[Script(chunks(HEADLINES_SMALL)), Script(["1. Small again\n"])],
            flagship=[
                Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
                Script(["1. Flagship again\n"], location="cloud"),
            ],
        )
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await run_task(pilot, app)
            screen.columns[1].replies[0].item_list.focus()
            await pilot.press("enter")  # a keeper from the flagship, named in the keepers
            assert "flagship" in str(screen.keepers_pane.option_list.get_option_at_index(0).prompt)
            await pilot.press("f8")
            await run_task(pilot, app)
            assert [len(c.replies) for c in screen.columns] == [2, 2]
            assert all(not c.replies[0].display and c.replies[1].display for c in screen.columns)
            assert_anonymous(app)
            vote = screen.blind.vote
            assert vote is not None
            label = "AB"[vote.order.index("flagship")]
            keeper = str(screen.keepers_pane.option_list.get_option_at_index(0).prompt)
            assert keeper.endswith(f"  {label}")
            assert screen.vote_question.display
            assert "Which is better?" in str(screen.vote_question.content)
            footer = {b.binding.action for b in screen.active_bindings.values() if b.binding.show}
            assert {"vote('a')", "vote('b')", "vote('t')", "vote('n')"} <= footer
            assert "run" not in footer and "follow_up" not in footer
            # The focus left every text field: the letter is the vote.
            assert not isinstance(app.focused, Input)
            await pilot.press("t")
            await until(pilot, lambda: screen.blind.vote is None)
            assert not screen.vote_question.display
            assert all(view.display for c in screen.columns for view in c.replies)
            assert "flagship" in str(screen.keepers_pane.option_list.get_option_at_index(0).prompt)
            assert saved_sessions()[0].votes[0].choice == "tie"

    async def test_voting_keys_do_nothing_without_a_blind_turn(self) -> None:
        """`a` is no vote on an open turn: no vote is recorded."""
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await run_task(pilot, app)
            main(app).columns[0].thread.focus()
            await pilot.press("a")
            await pilot.pause()
            assert main(app).session.votes == []


class TestStats:
    async def test_f9_shows_the_recommendation_and_this_sessions_keepers(self) -> None:
        """F9 shows the task's recommendation from the saved votes, and keepers per answer,
        by the model that answered (and the name the column gave it)."""
        for _session in range(10):
            store.save(blind_session(local_won=True))
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, StatsScreen))
            panel = app.screen.panel  # type: ignore[attr-defined]
            await until(pilot, lambda: str(panel.recommendation.content) == GOOD_ENOUGH)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))

            await run_task(pilot, app)
            screen.columns[0].replies[0].item_list.focus()
            await pilot.press("enter")
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, StatsScreen))
            panel = app.screen.panel  # type: ignore[attr-defined]
            figures = lambda: str(panel.session_figures.content)  # noqa: E731
            await until(
                pilot, lambda: "fake:small (as small) · local: 1.00 keepers/answer" in figures()
            )
            assert "fake:flagship (as flagship) · cloud: 0.00 keepers/answer" in figures()
            await until(pilot, lambda: str(panel.recommendation.content) == GOOD_ENOUGH)
