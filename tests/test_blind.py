"""Blind mode: two answers as A and B in a random, recorded order; a vote; then the names."""

from __future__ import annotations

import io
import json
import random
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import FakeOllama, FakeOpenAI, Reply
from helpers import SAMPLE_DRAFT, Runner, saved_sessions, write_config
from sparring.judging import blind
from sparring.sessions import store
from sparring.sessions.model import FORMAT_VERSION, Context, Session, Turn, Vote
from sparring.sessions.model import Reply as SessionReply
from sparring.sessions.toml_format import from_toml, to_toml
from terminal import TerminalFactory, sparring_command

DRAFT = b"Our city should plant ten thousand trees by 2030."
LOCAL_TEXT = ("1. Trees cool the streets\n", "2. Shade is cheap\n")
CLOUD_TEXT = ("1. Ten thousand reasons to plant\n", "2. The cooling dividend\n")
LOCAL, CLOUD = "ollama:qwen3:4b", "cloud:big"
# Anything that would tell the two apart on stdout before the vote.
TELLS = ("ollama", "qwen", "cloud", "big", "local", "machine", "ttft", "tok/s", "$", " in / ")


@pytest.fixture
def servers(sparring_home: Path) -> Iterator[dict[str, str]]:
    """A local model (Ollama) and a cloud one (an endpoint configured as cloud, on loopback)."""
    with FakeOllama(models=("qwen3:4b",)) as ollama, FakeOpenAI() as cloud:
        ollama.script(*[Reply(chunks=LOCAL_TEXT)] * 40)
        cloud.script(*[Reply(chunks=CLOUD_TEXT)] * 40)
        write_config(
            sparring_home,
            f'[endpoints.cloud]\nbase_url = "{cloud.base_url}"\nlocation = "cloud"\n',
        )
        yield {"OLLAMA_HOST": ollama.url}


def run_blind(sparring: Runner, env: dict[str, str], *extra: str):  # type: ignore[no-untyped-def]
    return sparring(
        "headlines", "-m", LOCAL, "--vs", CLOUD, "--blind", "--yes", *extra, input=DRAFT, env=env
    )


def only_session(home: Path) -> Session:
    [path] = saved_sessions(home)
    return store.open_session(str(path))


def hand_made(order: list[str], choice: str = "", *, failed: bool = False) -> Session:
    """A saved session with one blind turn: `local` against `anthropic:claude-opus-4-1`."""
    replies = [
        SessionReply(
            model="local", backend="local:SmolLM2", location="local", status="ok", text="1. a"
        ),
        SessionReply(
            model="anthropic:claude-opus-4-1",
            backend="anthropic:claude-opus-4-1",
            location="cloud",
            status="error" if failed else "ok",
            text="" if failed else "1. b",
        ),
    ]
    session = Session(
        context=Context("a draft"),
        turns=[Turn(task="headlines", user="u", output="list", replies=replies)],
        votes=[Vote(turn=0, order=order, choice=choice)],
    )
    store.save(session)
    return session


class TestShuffle:
    def test_the_order_is_a_fair_coin(self) -> None:
        rng = random.Random(20261123)
        firsts = [blind.draw_order(["local", "flagship"], rng)[0] for _ in range(1000)]
        assert 430 < firsts.count("local") < 570

    def test_the_system_random_source_gives_both_orders(self) -> None:
        orders = {tuple(blind.draw_order(["local", "flagship"])) for _ in range(100)}
        assert orders == {("local", "flagship"), ("flagship", "local")}

    def test_starting_records_the_order_as_a_pending_vote(self) -> None:
        session = Session(
            turns=[Turn(task="t", user="u", replies=[SessionReply("x"), SessionReply("y")])]
        )
        vote = blind.start(session, 0, random.Random(1))
        assert session.votes == [vote]
        assert vote.pending and vote.blind and sorted(vote.order) == ["x", "y"]
        assert [reply.model for reply in blind.shown(session.turns[0], vote)] == vote.order

    def test_the_same_model_twice_cannot_be_told_apart(self) -> None:
        session = Session(
            turns=[Turn(task="t", user="u", replies=[SessionReply("x"), SessionReply("x")])]
        )
        with pytest.raises(Exception, match="two different models"):
            blind.start(session, 0)


class TestVoteStorage:
    def test_votes_round_trip_in_the_session_file(self) -> None:
        session = Session(
            turns=[Turn(task="t", user="u")],
            votes=[
                Vote(turn=0, order=["local", "flagship"], choice="both-bad"),
                Vote(turn=0, order=["b", "a"], choice="", blind=False),
            ],
        )
        text = to_toml(session)
        assert text.startswith(f"format = {FORMAT_VERSION}\n") and "[[votes]]" in text
        assert from_toml(text) == session

    def test_a_file_without_votes_loads_and_is_written_without_them(self) -> None:
        text = to_toml(Session(turns=[Turn(task="t", user="u")]))
        assert "votes" not in text
        assert from_toml(text).votes == []

    def test_a_vote_names_its_winner(self) -> None:
        assert Vote(turn=0, order=["x", "y"], choice="B").winner == "y"
        assert Vote(turn=0, order=["x", "y"], choice="tie").winner is None


class TestBlindInAPipe:
    def test_the_answers_are_blocks_headed_a_and_b_with_no_names_or_figures(
        self, sparring: Runner, servers: dict[str, str]
    ) -> None:
        result = run_blind(sparring, servers)
        assert result.code == 0, result.stderr
        assert result.stdout.startswith("=== A\n")
        assert "\n=== B\n" in result.stdout
        for tell in TELLS:
            assert tell not in result.stdout.lower()

    def test_the_order_is_recorded_and_a_is_the_model_recorded_first(
        self, sparring: Runner, sparring_home: Path, servers: dict[str, str]
    ) -> None:
        result = run_blind(sparring, servers)
        session = only_session(sparring_home)
        [vote] = session.votes
        assert vote.pending and vote.blind and sorted(vote.order) == sorted([LOCAL, CLOUD])
        first_line = {LOCAL: LOCAL_TEXT[0], CLOUD: CLOUD_TEXT[0]}[vote.order[0]]
        assert result.stdout.startswith("=== A\n" + first_line)
        # The replies keep the order the writer gave; only the display is shuffled.
        assert [reply.model for reply in session.turns[0].replies] == [LOCAL, CLOUD]

    def test_the_order_differs_between_runs(
        self, sparring: Runner, sparring_home: Path, servers: dict[str, str]
    ) -> None:
        seen: set[str] = set()
        for _ in range(30):  # both orders by then, unless the coin is broken (2**-29)
            first = run_blind(sparring, servers).stdout.splitlines()[1]
            seen.add(first)
            if len(seen) == 2:
                break
        assert seen == {LOCAL_TEXT[0].strip(), CLOUD_TEXT[0].strip()}
        recorded = {tuple(path_votes(path)) for path in saved_sessions(sparring_home)}
        assert recorded == {(LOCAL, CLOUD), (CLOUD, LOCAL)}

    def test_without_a_terminal_it_says_how_to_vote_later_and_names_no_model(
        self, sparring: Runner, sparring_home: Path, servers: dict[str, str]
    ) -> None:
        result = run_blind(sparring, servers)
        session_id = only_session(sparring_home).id
        assert f"sparring vote {session_id} a|b|tie|bad" in result.stderr
        assert LOCAL not in result.stderr and CLOUD not in result.stderr

    def test_json_has_labels_and_texts_but_no_names_or_figures(
        self, sparring: Runner, servers: dict[str, str]
    ) -> None:
        result = run_blind(sparring, servers, "--json")
        assert result.code == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["blind"] is True
        assert [answer["label"] for answer in document["answers"]] == ["A", "B"]
        assert set(document["answers"][0]) == {"label", "status", "text", "items"}
        for tell in ("qwen", "ollama", "big", "ttft", "cost", "tokens"):
            assert tell not in result.stdout

    @pytest.mark.parametrize(
        "models", [["-m", "local"], ["-m", "local", "--vs", "a:b", "--vs", "c:d"]]
    )
    def test_blind_with_other_than_two_models_is_a_one_line_usage_error(
        self, sparring: Runner, models: list[str]
    ) -> None:
        result = sparring("headlines", *models, "--blind", input=DRAFT)
        assert result.code == 2
        assert "--blind compares exactly two models" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1

    def test_blind_without_saving_is_refused(self, sparring: Runner) -> None:
        result = sparring(
            "headlines", "-m", "local", "--vs", "ollama:x", "--blind", "--no-save", input=DRAFT
        )
        assert result.code == 2
        assert "--no-save" in result.stderr

    def test_a_failed_answer_leaves_nothing_to_vote_on(
        self, sparring: Runner, sparring_home: Path, servers: dict[str, str]
    ) -> None:
        result = run_blind(sparring, {**servers, "OLLAMA_HOST": "http://127.0.0.1:9"})
        assert result.code == 69
        assert "no vote: an answer did not finish" in result.stderr
        refused = sparring("vote", only_session(sparring_home).id, "a")
        assert refused.code == 2 and "did not finish" in refused.stderr


def path_votes(path: Path) -> list[str]:
    return tomllib.loads(path.read_text())["votes"][0]["order"]


class TestVoteCommand:
    def test_a_vote_is_recorded_and_then_the_names_are_revealed(
        self, sparring: Runner, sparring_home: Path, servers: dict[str, str]
    ) -> None:
        run_blind(sparring, servers)
        session = only_session(sparring_home)
        result = sparring("vote", session.id[:5], "b")
        assert result.code == 0, result.stderr
        assert result.stdout == ""
        a, b = session.votes[0].order
        where = {LOCAL: "local · on this machine", CLOUD: "cloud"}
        assert f"A was {a} ({where[a]}); B was {b} ({where[b]})" in result.stderr
        [vote] = only_session(sparring_home).votes
        assert (vote.choice, vote.winner) == ("B", b)

    def test_the_reveal_names_the_model_and_where_it_ran(self, sparring: Runner) -> None:
        session = hand_made(["local", "anthropic:claude-opus-4-1"])
        result = sparring("vote", session.id, "a")
        assert (
            "A was local (local · on this machine); B was anthropic:claude-opus-4-1 (cloud)"
            in result.stderr
        )

    @pytest.mark.parametrize(("typed", "recorded"), [("tie", "tie"), ("bad", "both-bad")])
    def test_tie_and_both_bad_are_votes_too(
        self, sparring: Runner, typed: str, recorded: str
    ) -> None:
        session = hand_made(["anthropic:claude-opus-4-1", "local"])
        assert sparring("vote", session.id, typed).code == 0
        assert store.open_session(session.id).votes[0].choice == recorded

    def test_a_second_vote_on_the_same_turn_is_refused_in_one_line(self, sparring: Runner) -> None:
        session = hand_made(["local", "anthropic:claude-opus-4-1"])
        assert sparring("vote", session.id, "a").code == 0
        again = sparring("vote", session.id, "b")
        assert again.code == 2
        assert "already has a vote" in again.stderr
        assert len(again.stderr.strip().splitlines()) == 1
        assert store.open_session(session.id).votes[0].choice == "A"

    def test_a_session_without_a_blind_turn_has_nothing_to_vote_on(self, sparring: Runner) -> None:
        session = Session(turns=[Turn(task="headlines", user="u")])
        store.save(session)
        result = sparring("vote", session.id, "a")
        assert result.code == 2
        assert "no blind answers" in result.stderr

    def test_a_choice_that_means_nothing_is_refused(self, sparring: Runner) -> None:
        session = hand_made(["local", "anthropic:claude-opus-4-1"])
        result = sparring("vote", session.id, "maybe")
        assert result.code == 2 and "not a vote" in result.stderr
        assert store.open_session(session.id).votes[0].pending


class TestSideBySideBlind:
    def render(self, view) -> str:  # type: ignore[no-untyped-def]
        from rich.console import Console

        console = Console(file=io.StringIO(), width=100, highlight=False)
        console.print(view._render())
        return console.file.getvalue()  # type: ignore[attr-defined]

    def test_columns_are_headed_a_and_b_and_the_text_waits_for_both_answers(self) -> None:
        from sparring.cli.live import SideBySide
        from sparring.engine import LiveReply

        fast = SessionReply(model="ollama:qwen3:4b", backend="ollama:qwen3:4b", status="ok")
        fast.text, fast.ttft, fast.seconds, fast.output_tokens = "Fast words", 0.1, 0.5, 9
        slow = SessionReply(model="cloud:big", backend="cloud:big", status="streaming")
        view = SideBySide(2, labels=blind.LABELS)
        lives = [LiveReply(slow), LiveReply(fast)]
        for index, live in enumerate(lives):
            view.follow(index, live)
        lives[1].add("Fast words")
        lives[0].add("Slow wo")
        streaming = self.render(view)
        assert "A" in streaming and "B" in streaming
        assert "Fast words" not in streaming and "Slow wo" not in streaming
        assert streaming.count("answering…") == 2
        slow.status = "ok"
        lives[0].add("rds")
        done = self.render(view)
        assert "Fast words" in done and "Slow words" in done
        for tell in ("qwen", "ollama", "big", "ttft", "tok/s", "$", "streaming"):
            assert tell not in done


class TestInATerminal:
    def command(self) -> str:
        return f"cat {SAMPLE_DRAFT} | " + sparring_command(
            "headlines", "-m", LOCAL, "--vs", CLOUD, "--blind", "--yes"
        )

    def test_it_asks_for_a_vote_and_only_then_reveals_the_names(
        self,
        terminal: TerminalFactory,
        sparring_home: Path,
        servers: dict[str, str],
    ) -> None:
        screen = terminal(self.command(), servers)
        asked = screen.wait_for(lambda text: "Which is better?" in text)
        assert "[a] A  [b] B  [t] tie  [n] both bad  [s] skip" in asked
        assert "Trees cool the streets" in asked and "The cooling dividend" in asked
        for tell in ("qwen", "ollama", "cloud", "ttft", "tok/s", "$"):
            assert tell not in asked
        screen.keys("a")  # one key: no Enter
        done = screen.wait_for(lambda text: "EXITED" in text)
        assert "EXITED 0" in done
        [vote] = only_session(sparring_home).votes
        assert vote.choice == "A"
        where = {LOCAL: "local · on this machine", CLOUD: "cloud"}
        a, b = vote.order
        assert f"A was {a} ({where[a]}); B was {b}" in done.replace("\n", "")

    def test_skipping_keeps_the_names_hidden_and_the_vote_open(
        self,
        terminal: TerminalFactory,
        sparring_home: Path,
        servers: dict[str, str],
    ) -> None:
        screen = terminal(self.command(), servers)
        screen.wait_for(lambda text: "Which is better?" in text)
        screen.keys("s")
        done = screen.wait_for(lambda text: "EXITED" in text)
        assert "sparring vote" in done and "A was" not in done
        assert only_session(sparring_home).votes[0].pending
