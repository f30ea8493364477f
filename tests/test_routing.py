"""Letting the verdict route: a task whose local model is good enough can default to it, and the
ledger counts as proven only the savings the writer's blind votes stand behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_stats import CLOUD, PRICES, cloud_reply, duel, local_reply

from fakes import FakeOllama
from helpers import DRAFT, Runner, write_config
from sparring.config import Config
from sparring.judging.stats import compute
from sparring.sessions import catalog, store
from sparring.sessions.model import Context, Session, Turn, Vote

OLLAMA_LOCAL = "ollama:llama3.2:1b"


def good_enough_on_ollama(task: str = "headlines") -> None:
    """Ten blind votes, the local model (an Ollama model) winning eight and tying two."""
    for index in range(10):
        session = duel(task, "local" if index < 8 else "tie", a_is_local=index % 2 == 0)
        for reply in session.turns[0].replies:
            if reply.model == "local":
                reply.model = reply.backend = OLLAMA_LOCAL
        session.votes[0].order = [
            OLLAMA_LOCAL if m == "local" else m for m in session.votes[0].order
        ]
        store.save(session)


class TestRouting:
    def test_stats_offers_the_route_then_the_task_runs_there_and_it_can_be_undone(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(sparring_home, "# my own note, kept\n" + PRICES)
        good_enough_on_ollama()
        report = sparring("stats")
        assert report.code == 0, report.stderr
        assert (
            f"make {OLLAMA_LOCAL} the default for headlines: sparring stats --route headlines"
            in (report.stdout)
        )
        assert sparring("stats", "--route", "headlines").code == 0
        config = (sparring_home / "config.toml").read_text()
        assert config.startswith("# my own note, kept\n")
        assert f'[tasks.headlines]\nmodel = "{OLLAMA_LOCAL}"' in config
        assert "runs on ollama:llama3.2:1b when no model is named" in sparring("stats").stdout
        with FakeOllama(models=("llama3.2:1b",)) as server:
            result = sparring("headlines", input=DRAFT, env={"OLLAMA_HOST": server.url})
            assert result.code == 0, result.stderr
            assert len(server.chat_requests) >= 1  # no -m: it ran on the routed model
        assert sparring("stats", "--unroute", "headlines").code == 0
        config = (sparring_home / "config.toml").read_text()
        assert "[tasks.headlines]" not in config and config.startswith("# my own note, kept\n")

    def test_a_task_that_is_not_good_enough_is_not_routed(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(sparring_home, PRICES)
        for index in range(10):
            store.save(duel("headlines", "cloud", a_is_local=index % 2 == 0))
        result = sparring("stats", "--route", "headlines")
        assert result.code == 2
        [line] = result.stderr.strip().splitlines()
        assert "no local model is good enough for 'headlines' yet" in line
        assert "[tasks" not in (sparring_home / "config.toml").read_text()


class TestProvenSavings:
    def test_savings_are_proven_only_where_the_local_answer_won_or_tied_blind(
        self, sparring_home: Path
    ) -> None:
        # Each local answer is 1,000 tokens in and 500 out; at the test flagship's price
        # ($10 in, $40 out a million) it would have cost 0.01 + 0.02 = $0.03.
        won = duel("headlines", "local", a_is_local=True)
        tied = duel("headlines", "tie", a_is_local=False)
        lost = duel("headlines", "cloud", a_is_local=True)
        open_vote = duel("headlines", "local", a_is_local=True, blind=False)
        unvoted = Session(
            context=Context("d"),
            turns=[Turn(task="headlines", user="u", replies=[local_reply(), cloud_reply()])],
        )
        for session in (won, tied, lost, open_vote, unvoted):
            store.save(session)
        write_config(sparring_home, PRICES)
        from sparring import config as config_module

        stats = compute(catalog.entries(), config_module.load())
        ledger = stats.ledger
        assert ledger.local_answers == 5
        assert ledger.local_on_flagship == pytest.approx(5 * 0.03)
        assert ledger.proven_answers == 2  # the blind win and the blind tie
        assert ledger.proven_saved == pytest.approx(2 * 0.03)
        assert ledger.unproven_saved == pytest.approx(3 * 0.03)

    def test_the_report_and_json_say_both(self, sparring: Runner, sparring_home: Path) -> None:
        write_config(sparring_home, PRICES)
        store.save(duel("counter", "local", a_is_local=True))
        store.save(duel("counter", "cloud", a_is_local=False))
        text = sparring("stats").stdout
        assert "proven: $0.0300 on 1 answer that won or tied a blind vote" in text
        assert "unproven: $0.0300 on the rest" in text
        ledger = json.loads(sparring("stats", "--json").stdout)["ledger"]
        assert (ledger["proven_saved"], ledger["unproven_saved"]) == pytest.approx((0.03, 0.03))


def test_a_votes_order_names_the_models_it_judged() -> None:
    """The vote records which model was A: a proven saving follows the model, not the letter."""
    vote = Vote(turn=0, order=[CLOUD, "local"], choice="B")
    assert vote.winner == "local"
    assert compute([], Config()).ledger.proven_saved == 0
