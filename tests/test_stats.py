"""`sparring stats`: win rates with Wilson intervals, keepers, speed, cost and the ledger,
on hand-made sessions whose answers are known."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from helpers import Runner, write_config
from sparring.config import Config, Price
from sparring.judging.ledger import Flagship, fixed_flagship
from sparring.judging.stats import (
    Pair,
    Tally,
    compute,
    for_session,
    recommend,
    recommendation_for,
    wilson,
)
from sparring.pricing import price_for, shipped_prices
from sparring.sessions import catalog, store
from sparring.sessions.model import Context, Keeper, Reply, Session, Turn, Vote

LOCAL, CLOUD = "local", "cloud:test-flagship"
#: What `local` resolved to when it answered: the stats count models by this.
SMOL = "local:SmolLM2"
PRICES = (
    '[endpoints.cloud]\nbase_url = "http://127.0.0.1:9/v1"\nlocation = "cloud"\n'
    '[pricing."test-flagship"]\ninput_per_million = 10.0\noutput_per_million = 40.0\n'
    '[pricing."other-flagship"]\ninput_per_million = 2.0\noutput_per_million = 8.0\n'
)


def local_reply(ttft: float = 0.2, tokens: tuple[int, int] = (1000, 500)) -> Reply:
    return Reply(
        model=LOCAL,
        backend=SMOL,
        location="local",
        status="ok",
        text="1. a",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        ttft=ttft,
        seconds=ttft + 499 / 100,  # 100 tokens a second after the first
        cost=0.0,
    )


def cloud_reply() -> Reply:
    return Reply(
        model=CLOUD,
        backend=CLOUD,
        location="cloud",
        status="ok",
        text="1. b",
        input_tokens=1000,
        output_tokens=200,
        ttft=1.0,
        seconds=1.0 + 199 / 50,  # 50 tokens a second
        cost=0.01,
    )


def duel(task: str, outcome: str, *, a_is_local: bool, blind: bool = True) -> Session:
    """One turn, local against the cloud, and a vote: `outcome` is local, cloud, tie or bad."""
    order = [LOCAL, CLOUD] if a_is_local else [CLOUD, LOCAL]
    choice = {
        "local": "A" if a_is_local else "B",
        "cloud": "B" if a_is_local else "A",
        "tie": "tie",
        "bad": "both-bad",
    }[outcome]
    return Session(
        context=Context("a draft"),
        turns=[Turn(task=task, user="u", output="list", replies=[local_reply(), cloud_reply()])],
        votes=[Vote(turn=0, order=order, choice=choice, blind=blind)],
    )


# task -> how many blind votes of each outcome
FIXED_SET = {
    "questions": {"local": 12, "cloud": 5, "tie": 5, "bad": 2},  # 17 of 24 won or tied
    "headlines": {"local": 2, "cloud": 10, "tie": 1, "bad": 2},  # 3 of 15
    "counter": {"local": 4, "cloud": 4, "tie": 2, "bad": 2},  # 6 of 12
    "pitch": {"local": 1, "cloud": 1, "tie": 1},  # a prompt of the writer's own: 3 votes
}


@pytest.fixture
def fixed_set(sparring_home: Path) -> None:
    number = 0
    for task, outcomes in FIXED_SET.items():
        for outcome, count in outcomes.items():
            for _ in range(count):
                number += 1
                store.save(duel(task, outcome, a_is_local=number % 2 == 0))
    # Votes with the names shown count apart: the local model won 1, the cloud 2.
    for outcome in ("local", "cloud", "cloud"):
        store.save(duel("headlines", outcome, a_is_local=True, blind=False))
    # A pending vote (not cast yet) counts nowhere.
    pending = duel("headlines", "tie", a_is_local=True)
    pending.votes[0].choice = ""
    store.save(pending)


def entries_of(*sessions: Session) -> list[catalog.Entry]:
    return [catalog.summarize(session, f"{session.id}.toml") for session in sessions]


class TestWilson:
    def test_the_interval_matches_a_hand_computation(self) -> None:
        # 17 wins or ties in 24 votes, z = 1.96, z^2 = 3.8416:
        #   p      = 17/24                                = 0.708333
        #   denom  = 1 + 3.8416/24                        = 1.160067
        #   center = (0.708333 + 3.8416/48) / 1.160067    = 0.788367 / 1.160067 = 0.679587
        #   half   = 1.96/1.160067 * sqrt(0.708333 * 0.291667/24 + 3.8416/2304)
        #          = 1.689557 * sqrt(0.008608 + 0.001667) = 1.689557 * 0.101369 = 0.171268
        #   -> 0.679587 - 0.171268 = 0.508319 and 0.679587 + 0.171268 = 0.850855
        low, high = wilson(17, 24)
        assert low == pytest.approx(0.508319, abs=1e-6)
        assert high == pytest.approx(0.850855, abs=1e-6)

    def test_no_votes_have_no_interval_and_extremes_stay_within_0_and_1(self) -> None:
        assert wilson(0, 0) is None
        low, high = wilson(0, 5)
        assert low == 0.0 and 0 < high < 1
        low, high = wilson(5, 5)
        assert 0 < low < 1 and high == pytest.approx(1.0)

    def test_both_bad_counts_as_a_vote_but_not_as_good_enough(self) -> None:
        tally = Tally(won=1, lost=1, tie=1, both_bad=1)
        assert (tally.good_enough, tally.votes, tally.rate) == (2, 4, 0.5)


class TestStatsOnAFixedSet:
    def test_the_printed_win_rates_and_intervals_match_the_hand_computation(
        self, sparring: Runner, fixed_set: None
    ) -> None:
        result = sparring("stats")
        assert result.code == 0, result.stderr
        out = result.stdout
        # questions, 17 of 24: the interval computed by hand above, 0.508319 to 0.850855.
        assert "the local model won or tied 17 of 24 = 71%, 95% interval 51%–85%" in out
        # headlines, 3 of 15, z^2 = 3.8416:
        #   p = 0.2, denom = 1 + 3.8416/15 = 1.256107,
        #   center = (0.2 + 3.8416/30) / 1.256107 = 0.328053 / 1.256107 = 0.261167,
        #   half = 1.96/1.256107 * sqrt(0.2 * 0.8/15 + 3.8416/900)
        #        = 1.560378 * sqrt(0.010667 + 0.004268) = 1.560378 * 0.122209 = 0.190693
        #   -> 0.070474 to 0.451859: the high end is below one half, so: the flagship.
        assert "the local model won or tied 3 of 15 = 20%, 95% interval 7%–45%" in out
        # counter, 6 of 12: p = 0.5, denom = 1 + 3.8416/12 = 1.320133, center = 0.5,
        #   half = 1.96/1.320133 * sqrt(0.25/12 + 3.8416/576) = 1.484699 * 0.165840 = 0.246222
        #   -> 0.253778 to 0.746222: one half is inside, so: too close to call.
        assert "the local model won or tied 6 of 12 = 50%, 95% interval 25%–75%" in out
        assert out.rstrip().endswith(
            "== recommendation\n\n"
            "headlines: use the flagship (the local model won or tied 20% of 15 blind votes)\n"
            "counter: too close to call (the local model won or tied 50% of 12 blind votes; "
            "95% interval 25%–75%)\n"
            "questions: the local model is good enough (won or tied 71% of 24 blind votes)\n"
            "  make local the default for questions: sparring stats --route questions\n"
            "pitch: not enough votes yet (3 of 10)"
        )

    def test_it_says_what_good_enough_means(self, sparring: Runner, fixed_set: None) -> None:
        out = " ".join(sparring("stats").stdout.split())
        assert "Good enough = the local model won or tied, counted over all blind votes" in out
        assert "a both-bad vote counts against it" in out

    def test_open_votes_are_reported_apart_and_do_not_move_the_verdict(
        self, sparring: Runner, fixed_set: None
    ) -> None:
        out = sparring("stats", "--task", "headlines").stdout
        assert f"blind votes: 15 ({SMOL} won 2, {CLOUD} won 10, tie 1, both bad 2)" in out
        assert f"open votes (names shown): 3 ({SMOL} won 1, {CLOUD} won 2, tie 0" in out
        assert "questions" not in out

    def test_json_holds_the_same_figures(self, sparring: Runner, fixed_set: None) -> None:
        result = sparring("stats", "--json")
        assert result.code == 0, result.stderr
        document = json.loads(result.stdout)
        tasks = {task["task"]: task for task in document["tasks"]}
        [pair] = tasks["questions"]["pairs"]
        assert pair["local"] == SMOL and pair["local_vs_cloud"] is True
        blind = pair["blind"]
        assert (blind["votes"], blind["won"], blind["tie"], blind["both_bad"]) == (24, 12, 5, 2)
        assert blind["rate"] == pytest.approx(17 / 24)
        assert blind["interval"] == pytest.approx([0.508319, 0.850855], abs=1e-6)
        assert tasks["headlines"]["pairs"][0]["open"]["votes"] == 3
        verdicts = {r["task"]: r["verdict"] for r in document["recommendations"]}
        assert verdicts == {
            "headlines": "flagship",
            "counter": "too-close",
            "questions": "good-enough",
            "pitch": "not-enough-votes",
        }

    def test_with_no_sessions_it_says_how_to_start(self, sparring: Runner) -> None:
        result = sparring("stats")
        assert result.code == 0
        assert "No answers yet: compare two models blind" in result.stdout

    def test_an_unknown_task_is_a_usage_error_with_a_suggestion(
        self, sparring: Runner, fixed_set: None
    ) -> None:
        result = sparring("stats", "--task", "questoins")
        assert result.code == 2
        assert "did you mean 'questions'" in result.stderr


class TestVerdicts:
    @pytest.mark.parametrize(
        ("tally", "verdict"),
        [
            (Tally(won=9), "not-enough-votes"),  # 9 votes, all won: still fewer than 10
            (Tally(won=9, tie=1), "good-enough"),  # 10 of 10: interval 72%-100%
            (Tally(won=12, tie=5, lost=7), "good-enough"),  # 17 of 24: low end 50.8%
            (Tally(won=12, tie=4, lost=8), "too-close"),  # 16 of 24: low end 46.7%
            (Tally(won=3, lost=7), "too-close"),  # 3 of 10: interval 10.8%-60.3%
            (Tally(won=1, lost=9), "flagship"),  # 1 of 10: interval 1.8%-40.4%
        ],
    )
    def test_the_threshold_and_the_interval_decide(self, tally: Tally, verdict: str) -> None:
        [recommendation] = recommend("t", [Pair(LOCAL, CLOUD, True, blind=tally)])
        assert recommendation.verdict == verdict

    def test_a_task_compared_only_between_two_local_models_has_no_verdict(self) -> None:
        [recommendation] = recommend("t", [Pair("a", "b", False, blind=Tally(won=20))])
        assert recommendation.verdict == "not-enough-votes"


class TestKeepersAndSpeed:
    def test_a_keeper_is_a_point_for_its_model_on_its_task(self) -> None:
        sessions = [duel("headlines", "tie", a_is_local=True) for _ in range(4)]
        sessions[0].keepers = [Keeper("x", LOCAL, 0), Keeper("y", CLOUD, 0)]
        sessions[1].keepers = [Keeper("z", LOCAL, 0)] + [
            Keeper(f"w{i}", CLOUD, 0) for i in range(5)
        ]
        sessions[2].votes = []  # a keeper counts with or without a vote
        stats = compute(entries_of(*sessions), Config())
        figures = {f.model: f for f in stats.tasks[0].models}
        assert (figures[SMOL].answers, figures[SMOL].keepers) == (4, 2)
        assert figures[SMOL].keepers_per_answer == 0.5
        assert figures[CLOUD].keepers_per_answer == 6 / 4

    def test_speed_is_the_median_over_finished_answers(self) -> None:
        sessions = []
        for ttft in (0.1, 0.2, 0.3, 0.9):
            session = duel("counter", "tie", a_is_local=True)
            session.turns[0].replies[0] = local_reply(ttft=ttft)
            sessions.append(session)
        broken = duel("counter", "tie", a_is_local=True)
        broken.turns[0].replies[0].status = "error"
        broken.turns[0].replies[0].ttft = 99.0
        figures = {
            f.model: f for f in compute(entries_of(*sessions, broken), Config()).tasks[0].models
        }
        assert figures[SMOL].median_ttft == pytest.approx(0.25)
        assert figures[SMOL].median_tokens_per_second == pytest.approx(100.0)
        assert figures[CLOUD].median_tokens_per_second == pytest.approx(50.0)
        assert (figures[SMOL].answers, figures[SMOL].failed) == (4, 1)


class TestModelsAndTasksAsCounted:
    def test_an_alias_and_the_model_it_stands_for_are_one_model(self) -> None:
        by_alias, by_name = (
            duel("headlines", "local", a_is_local=True),
            duel("headlines", "cloud", a_is_local=False),
        )
        by_alias.turns[0].replies[0].model = "small"
        by_alias.votes[0].order[0] = "small"
        by_alias.keepers = [Keeper("x", "small", 0)]
        [task] = compute(entries_of(by_alias, by_name), Config()).tasks
        [local] = [f for f in task.models if f.location == "local"]
        assert (local.model, local.answers, local.keepers) == (SMOL, 2, 1)
        assert local.label == f"{SMOL} (as local, small)"
        [pair] = task.pairs
        assert (pair.subject, pair.blind.won, pair.blind.lost) == (SMOL, 1, 1)

    def test_a_follow_up_counts_under_the_task_it_followed(self) -> None:
        session = duel("counter", "tie", a_is_local=True)
        follow = Turn(task="follow-up", user="shorter", replies=[local_reply(), cloud_reply()])
        session.turns.append(follow)
        session.keepers = [Keeper("y", CLOUD, 1)]
        [task] = compute(entries_of(session), Config()).tasks
        assert task.task == "counter"
        figures = {f.model: f for f in task.models}
        assert (figures[SMOL].answers, figures[CLOUD].answers, figures[CLOUD].keepers) == (2, 2, 1)


class TestLedger:
    """A known price list: test-flagship $10 in / $40 out, other-flagship $2 / $8 a million."""

    @pytest.fixture
    def sessions(self, sparring_home: Path) -> list[Session]:
        write_config(sparring_home, PRICES)
        alone = Session(
            context=Context("a draft"),
            turns=[Turn(task="questions", user="u", replies=[local_reply(tokens=(2000, 1000))])],
        )
        made = [duel("headlines", "tie", a_is_local=True) for _ in range(2)] + [alone]
        for session in made:
            store.save(session)
        return made

    def config(self) -> Config:
        from sparring import config as config_module

        return config_module.load()

    def test_local_answers_are_priced_at_the_cloud_model_they_were_compared_with(
        self, sessions: list[Session]
    ) -> None:
        ledger = compute(entries_of(*sessions), self.config()).ledger
        assert (ledger.cloud_answers, ledger.cloud_spent) == (2, pytest.approx(0.02))
        # Each compared local answer, 1000 in and 500 out at $10 / $40 a million:
        #   (1000 * 10 + 500 * 40) / 1e6 = 0.03; two of them: 0.06.
        assert ledger.local_on_flagship == pytest.approx(0.06)
        # The third was compared with nothing, and no flagship is set.
        assert (ledger.local_answers, ledger.local_priced, ledger.local_unpriced) == (3, 2, 1)
        assert ledger.flagships == {CLOUD: 2}

    def test_the_flagship_alias_prices_every_local_answer(
        self, sparring_home: Path, sessions: list[Session]
    ) -> None:
        write_config(sparring_home, PRICES + '[aliases]\nflagship = "cloud:other-flagship"\n')
        config = self.config()
        flagship = fixed_flagship(config, None)
        assert flagship == Flagship("cloud:other-flagship", Price(2.0, 8.0))
        ledger = compute(entries_of(*sessions), config, flagship=flagship).ledger
        # 2 x (1000 * 2 + 500 * 8) / 1e6 = 0.012, plus (2000 * 2 + 1000 * 8) / 1e6 = 0.012.
        assert ledger.local_on_flagship == pytest.approx(0.024)
        assert ledger.local_unpriced == 0

    def test_the_flagship_option_wins_over_the_alias(
        self, sparring_home: Path, sessions: list[Session]
    ) -> None:
        write_config(sparring_home, PRICES + '[aliases]\nflagship = "cloud:other-flagship"\n')
        config = self.config()
        flagship = fixed_flagship(config, "cloud:test-flagship")
        ledger = compute(entries_of(*sessions), config, flagship=flagship).ledger
        # 0.03 + 0.03, plus (2000 * 10 + 1000 * 40) / 1e6 = 0.06.
        assert ledger.local_on_flagship == pytest.approx(0.12)

    def test_stats_prints_what_was_spent_and_what_staying_local_saved(
        self, sparring: Runner, sessions: list[Session]
    ) -> None:
        out = sparring("stats").stdout
        assert "spent on cloud answers: $0.0200 (2 answers)" in out
        assert "on the flagship they would have cost $0.0600: what staying local saved" in out
        assert "1 local answers had no flagship price" in out
        with_option = sparring("stats", "--flagship", "cloud:test-flagship").stdout
        assert "would have cost $0.1200" in with_option


class TestPriceList:
    def test_newer_models_are_not_priced_as_older_ones_with_the_same_prefix(self) -> None:
        config = Config()

        def base(model: str) -> tuple[float, float]:
            price = price_for(model, config)
            assert price is not None
            return price.input_per_million, price.output_per_million

        assert base("claude-opus-4-7") == (5.0, 25.0)
        assert base("claude-opus-4-1-20250805") == (15.0, 75.0)
        assert base("gpt-5.5") == (5.0, 30.0)
        assert base("gpt-5-pro") == (15.0, 120.0)
        assert base("o3-mini") == (1.1, 4.4)

    def test_every_shipped_price_is_positive_and_output_costs_at_least_input(self) -> None:
        for model, price in shipped_prices().items():
            assert 0 < price.input_per_million <= price.output_per_million, model


class TestForTheTUI:
    def test_the_figures_of_one_unsaved_session(self) -> None:
        session = duel("headlines", "local", a_is_local=False)
        session.keepers = [Keeper("x", LOCAL, 0)]
        [task] = for_session(session, Config()).tasks
        assert task.pairs[0].blind.won == 1
        assert {f.model: f.keepers for f in task.models} == {SMOL: 1, CLOUD: 0}

    def test_the_recommendation_for_a_task_from_every_saved_session(self, fixed_set: None) -> None:
        [recommendation] = recommendation_for("questions", Config())
        assert recommendation.verdict == "good-enough"
        assert [r.text for r in recommendation_for("nothing-yet", Config())] == [
            "nothing-yet: not enough votes yet (0 of 10)"
        ]


class TestScale:
    def test_stats_read_the_cached_index_not_the_files(
        self, sparring_home: Path, fixed_set: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = compute(catalog.entries(), Config())

        def no_parsing(path: Path) -> catalog.Entry:
            raise AssertionError(f"{path} was parsed again")

        monkeypatch.setattr(catalog, "_parse", no_parsing)
        again = compute(catalog.entries(), Config())
        assert again.as_dict() == first.as_dict()

    def test_ten_thousand_sessions_are_counted_in_well_under_a_second(self) -> None:
        template = entries_of(duel("questions", "local", a_is_local=True))[0]
        entries = [template] * 10_000
        started = time.perf_counter()
        stats = compute(entries, Config())
        assert time.perf_counter() - started < 1.0
        assert stats.tasks[0].pairs[0].blind.won == 10_000
        assert math.isclose(stats.ledger.cloud_spent, 100.0)
