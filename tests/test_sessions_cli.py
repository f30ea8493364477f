"""Saved sessions: listing and search, replay, re-spar with an idea diff, export, crash recovery."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from fakes import DEFAULT_CHUNKS, FakeOllama, Reply
from helpers import REPO, Runner, saved_sessions
from sparring.cli.commands.replay import paced_chunks
from sparring.items import Item, diff_ideas
from sparring.sessions import catalog, store
from sparring.sessions.model import Context, Keeper, Session, Turn, Vote
from sparring.sessions.model import Reply as SessionReply

EXAMPLES = sorted((REPO / "sessions").glob("*.toml"))


def example_ids() -> list[str]:
    return [tomllib.loads(path.read_text())["id"] for path in EXAMPLES]


@pytest.fixture
def examples(sparring_home: Path) -> list[str]:
    folder = sparring_home / "sessions"
    folder.mkdir(parents=True)
    for path in EXAMPLES:
        shutil.copy(path, folder / path.name)
    return example_ids()


def saved(title: str, context: str, reply_text: str, created: str) -> Session:
    session = Session(
        created=created,
        title=title,
        context=Context(context),
        turns=[
            Turn(
                task="headlines",
                user="u",
                output="list",
                replies=[SessionReply(model="local", status="ok", text=reply_text)],
            )
        ],
    )
    store.save(session)
    return session


class TestListing:
    def test_sessions_are_listed_newest_first(self, sparring: Runner) -> None:
        older = saved("headlines: trees", "trees", "1. a", "2026-01-01T10:00:00+00:00")
        newer = saved("counter: buses", "buses", "1. b", "2026-02-01T10:00:00+00:00")
        result = sparring("sessions")
        assert result.code == 0
        assert [line.split()[0] for line in result.stdout.splitlines()] == [newer.id, older.id]

    def test_a_query_filters_over_titles_contexts_and_replies_and_forgives_typos(
        self, sparring: Runner
    ) -> None:
        in_context = saved(
            "t1", "the river floods every spring", "1. a", "2026-01-01T10:00:00+00:00"
        )
        in_reply = saved("t2", "plain", "1. Libraries lend telescopes", "2026-01-02T10:00:00+00:00")
        saved("t3", "nothing here", "1. c", "2026-01-03T10:00:00+00:00")
        assert sparring("sessions", "rivr").stdout.split()[0] == in_context.id
        assert sparring("sessions", "telescopes").stdout.split()[0] == in_reply.id
        missed = sparring("sessions", "xylophone")
        assert missed.stdout == ""
        assert missed.stderr.startswith("sparring: no sessions match 'xylophone'")
        assert "fewer words" in missed.stderr

    def test_a_corrupt_file_is_named_and_the_others_still_list(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        good = saved("t", "trees", "1. a", "2026-01-01T10:00:00+00:00")
        (sparring_home / "sessions" / "20260301T000000-0badf11e.toml").write_text("format = 1\nid")
        result = sparring("sessions")
        assert result.code == 0
        assert result.stdout.split()[0] == good.id
        assert "skipped 20260301T000000-0badf11e.toml" in result.stderr

    def test_the_index_notices_a_changed_file(self, sparring_home: Path) -> None:
        session = saved("before", "trees", "1. a", "2026-01-01T10:00:00+00:00")
        assert [entry.title for entry in catalog.entries()] == ["before"]
        session.title = "after, a longer title"
        store.save(session)
        assert [entry.title for entry in catalog.entries()] == ["after, a longer title"]

    def test_an_ambiguous_id_prefix_is_a_usage_error(self, sparring: Runner) -> None:
        one = saved("a", "x", "1. a", "2026-01-01T10:00:00+00:00")
        saved("b", "y", "1. b", "2026-01-02T10:00:00+00:00")
        result = sparring("export", "")
        assert result.code == 2
        assert "matches 2 sessions" in result.stderr
        assert sparring("export", one.id).code == 0


class TestReplay:
    def test_replay_print_shows_each_example_session_as_it_was(
        self, sparring: Runner, examples: list[str]
    ) -> None:
        for session_id in examples:
            result = sparring("replay", session_id[:5], "--print")
            assert result.code == 0, result.stderr
            original = store.open_session(session_id)
            for reply in original.turns[0].replies:
                assert reply.text.strip() in result.stdout

    def test_paced_chunks_take_as_long_as_the_original_stream(self) -> None:
        reply = SessionReply(model="m", text="x" * 400, output_tokens=100, ttft=0.5, seconds=2.5)
        chunks = paced_chunks(reply)
        assert "".join(text for _delay, text in chunks) == reply.text
        assert chunks[0][0] == pytest.approx(0.5)
        assert sum(delay for delay, _text in chunks) == pytest.approx(2.5, rel=0.05)
        assert sum(delay for delay, _ in paced_chunks(reply, speed=2)) == pytest.approx(
            1.25, rel=0.05
        )

    def test_replay_pace_restreams_the_answers(self, sparring: Runner, examples: list[str]) -> None:
        result = sparring("replay", examples[0], "--pace", "--speed", "50")
        assert result.code == 0, result.stderr
        first_line = store.open_session(examples[0]).turns[0].replies[0].text.splitlines()[0]
        assert first_line[:24] in result.stdout


@pytest.mark.model
class TestRerun:
    def test_rerun_on_an_example_session_saves_a_linked_session_and_diffs_ideas(
        self, sparring: Runner, sparring_home: Path, examples: list[str]
    ) -> None:
        old_id = next(i for i in examples if store.open_session(i).turns[0].output == "list")
        result = sparring("rerun", old_id, "-m", "local", "--json")
        assert result.code == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["parent"] == old_id
        new = store.open_session(document["session"]["id"])
        assert new.parent == old_id
        assert [turn.user for turn in new.turns] == [
            turn.user for turn in store.open_session(old_id).turns
        ]
        assert new.turns[0].replies[0].status == "ok"
        [diff] = document["ideas"]
        assert set(diff) == {
            "turn",
            "task",
            "old_models",
            "new_models",
            "both",
            "only_old",
            "only_new",
        }
        assert diff["new_models"] == ["local"]
        for idea in diff["only_old"]:
            assert idea["models"] and set(idea["models"]) <= set(diff["old_models"])
        assert len(saved_sessions(sparring_home)) == len(examples) + 1

    def test_rerun_prints_the_answers_then_the_idea_diff(
        self, sparring: Runner, examples: list[str]
    ) -> None:
        result = sparring("rerun", examples[0], "-m", "local")
        assert result.code == 0, result.stderr
        assert result.stdout.startswith(f"# re-run of session {examples[0]} on local\n")
        assert "=== local" in result.stdout
        assert "only old (" in result.stdout and "only new (" in result.stdout
        assert "this re-run asked local" in result.stdout


class TestRerunThatNobodyAnswers:
    def test_when_every_model_fails_nothing_is_compared_and_nothing_saved(
        self, sparring: Runner, sparring_home: Path, examples: list[str]
    ) -> None:
        result = sparring("rerun", examples[0], "-m", "ollama:qwen3:4b")
        assert result.code == 69
        assert result.stdout == ""
        assert "nothing to compare: no model of the re-run answered; no session was saved" in (
            result.stderr
        )
        assert "ollama:qwen3:4b: " in result.stderr  # why, once
        assert len(saved_sessions(sparring_home)) == len(examples)


class TestIdeaDiff:
    def test_known_lists_split_into_shared_old_only_and_new_only(self) -> None:
        old = ["Why cities need trees", "Buses beat trees", "Plant the hottest districts first"]
        new = ["Cities need trees: why", "Shade for every school", "Plant hottest districts first"]
        diff = diff_ideas(old, new)
        assert diff.both == [
            ("Why cities need trees", "Cities need trees: why"),
            ("Plant the hottest districts first", "Plant hottest districts first"),
        ]
        assert diff.only_old == ["Buses beat trees"]
        assert diff.only_new == ["Shade for every school"]

    def test_a_strict_threshold_shares_fewer_ideas(self) -> None:
        old, new = ["Why cities need trees"], ["Cities need trees, and why"]
        assert len(diff_ideas(old, new).both) == 1
        diff = diff_ideas(old, new, threshold=95)
        assert diff.both == [] and diff.only_new == ["Cities need trees, and why"]


class TestReplayAndExportTellTheWholeSession:
    @pytest.fixture
    def session(self) -> Session:
        """A blind turn with its vote, a follow-up to one model, and a keeper from each turn."""
        replies = [
            SessionReply(model="small", backend="local:SmolLM2", status="ok", text="1. Shade"),
            SessionReply(
                model="flagship", backend="cloud:big", location="cloud", status="ok", text="1. Sun"
            ),
        ]
        follow = SessionReply(model="small", backend="local:SmolLM2", status="ok", text="Shade!")
        session = Session(
            title="headlines: trees",
            context=Context("Trees cool streets."),
            turns=[
                Turn(task="headlines", user="u", output="list", replies=replies),
                Turn(task="follow-up", user="shorter, please", to="small", replies=[follow]),
            ],
            keepers=[Keeper("Shade", "small", 0), Keeper("Shade!", "small", 1)],
            votes=[Vote(turn=0, order=["flagship", "small"], choice="B")],
        )
        store.save(session)
        return session

    def test_replay_print_shows_follow_ups_the_vote_and_the_keepers(
        self, sparring: Runner, session: Session
    ) -> None:
        out = sparring("replay", session.id, "--print").stdout
        assert "## 2. follow-up → small: shorter, please" in out and "Shade!" in out
        assert "Blind vote: B is better. A was flagship (cloud:big, cloud); B was small" in out
        assert "## keepers\n\n- Shade (small, turn 1)\n- Shade! (small, turn 2)" in out

    def test_export_shows_the_vote_and_the_follow_up(
        self, sparring: Runner, session: Session
    ) -> None:
        out = sparring("export", session.id).stdout
        assert "## 2. follow-up → small: shorter, please" in out
        assert "**Blind vote: B is better. A was flagship" in out
        assert "- Shade! (small, turn 2)" in out

    def test_a_vote_still_to_be_cast_keeps_the_names_hidden(
        self, sparring: Runner, session: Session
    ) -> None:
        session.votes[0].choice = ""
        store.save(session)
        for command in (("replay", session.id, "--print"), ("export", session.id)):
            out = sparring(*command).stdout
            first_turn = out.split("## 2.")[0].split("## 1.")[1]
            assert "A" in first_turn and "B" in first_turn
            for name in ("flagship", "cloud:big", "local:SmolLM2", "small"):
                assert name not in first_turn, (command, first_turn)
            assert f"sparring vote {session.id} a|b|tie|bad" in out
            assert "(B, turn 1)" in out  # the keeper says B, not its model


class TestExport:
    def test_markdown_has_the_context_the_answers_with_figures_and_the_keepers(
        self, sparring: Runner
    ) -> None:
        session = saved(
            "headlines: trees", "Trees cool streets.", "1. Shade", "2026-01-01T10:00:00+00:00"
        )
        session.keepers.append(Keeper("Shade", "local"))
        session.turns[0].replies[0].items = [Item("Shade")]
        store.save(session)
        result = sparring("export", session.id, "--format", "md")
        assert result.code == 0
        assert "> Trees cool streets." in result.stdout
        assert "### local" in result.stdout and "cost" in result.stdout
        assert "## Keepers\n\n- Shade (local, turn 1)" in result.stdout

    def test_json_round_trips_the_session(self, sparring: Runner, tmp_path: Path) -> None:
        session = saved("t", "ctx", "1. a", "2026-01-01T10:00:00+00:00")
        out = tmp_path / "out.json"
        assert sparring("export", session.id, "--format", "json", "-o", str(out)).code == 0
        data = json.loads(out.read_text())
        assert (data["id"], data["context"]["text"]) == (session.id, "ctx")


class TestCrashRecovery:
    def test_after_kill_9_mid_answer_the_next_start_finds_the_partial_answer(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        with FakeOllama(models=("qwen3:4b",)) as server:
            server.script(Reply(delay=0.6))
            process = subprocess.Popen(
                [sys.executable, "-m", "sparring", "headlines", "-m", "ollama:qwen3:4b"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "OLLAMA_HOST": server.url},
            )
            assert process.stdin is not None
            process.stdin.write(b"a draft about trees")
            process.stdin.close()
            deadline = time.monotonic() + 30
            partial = ""
            while not partial.startswith(DEFAULT_CHUNKS[0]):
                assert time.monotonic() < deadline, "no checkpoint reached the disk"
                time.sleep(0.1)
                files = saved_sessions(sparring_home)
                if files:
                    replies = tomllib.loads(files[0].read_text())["turns"][0]["replies"]
                    partial = replies[0].get("text", "")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        listing = sparring("sessions")
        assert "[interrupted]" in listing.stdout
        session = store.open_session(listing.stdout.split()[0])
        reply = session.turns[0].replies[0]
        assert reply.status == "interrupted"
        assert reply.text.startswith(partial)
        assert "stopped before this answer finished" in reply.error
