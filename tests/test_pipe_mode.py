"""Pipe mode that talks: folded lists, per-run options and seeds, a live status line on a
terminal, JSON without a session, and `sparring continue` from the command line.

The models are fake servers speaking Ollama's and OpenAI's protocols (tests/fakes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import FakeAnthropic, FakeOllama, FakeOpenAI, Reply
from helpers import DRAFT, SAMPLE_DRAFT, Runner, saved_sessions
from sparring.sessions import store
from sparring.sessions.model import Session
from terminal import TerminalFactory, sparring_command

MODEL = "ollama:llama3.2:1b"  # a model that does not think: its limit is max_tokens alone
#: A list the model writes freely (not held to the count in batches: see providers/listing.py),
#: so that what it wrote, and what folding makes of it, is known.
FREE = "--free"
ASK = ("ask", "--ask", "Is it clear?")
REPEATED = ("1. Trees cool the city\n", "2. Trees cool the city!\n", "3. Shade is a public good\n")


@pytest.fixture
def ollama(sparring_home: Path) -> Iterator[FakeOllama]:
    with FakeOllama(models=("llama3.2:1b", "qwen3:4b")) as server:
        yield server
        assert server.errors == []


def env(server: FakeOllama) -> dict[str, str]:
    return {"OLLAMA_HOST": server.url}


def sessions(home: Path) -> list[Session]:
    return [store.open_session(str(path)) for path in saved_sessions(home)]


class TestListsPrintTheirFoldedItems:
    def test_a_list_task_prints_each_distinct_item_once(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        ollama.script(Reply(chunks=REPEATED))
        result = sparring("headlines", FREE, "-m", MODEL, input=DRAFT, env=env(ollama))
        assert result.code == 0, result.stderr
        assert result.stdout == "1. Trees cool the city\n2. Shade is a public good\n"
        # Without a terminal, no status line: only how many were folded.
        assert result.stderr == "sparring: the model gave 2 of the 10 asked (1 folded)\n"

    def test_raw_prints_the_reply_as_the_model_wrote_it(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        ollama.script(Reply(chunks=REPEATED))
        result = sparring("headlines", FREE, "-m", MODEL, "--raw", input=DRAFT, env=env(ollama))
        assert result.stdout == "".join(REPEATED)

    def test_two_models_into_a_pipe_print_folded_blocks(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        ollama.script(Reply(chunks=REPEATED), Reply(chunks=REPEATED))
        both = ("-m", MODEL, "--vs", "ollama:qwen3:4b")
        result = sparring("headlines", FREE, *both, input=DRAFT, env=env(ollama))
        assert result.code == 0, result.stderr
        assert result.stdout.count("1. Trees cool the city\n2. Shade is a public good\n") == 2
        assert result.stdout.count("--- the model gave 2 of the 10 asked (1 folded)") == 2


class TestPerRunOptions:
    def test_each_run_sends_a_new_seed_and_the_session_records_it(
        self, sparring: Runner, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        for _ in range(2):
            assert sparring(*ASK, "-m", MODEL, input=DRAFT, env=env(ollama)).code == 0
        sent = [request.body["options"]["seed"] for request in ollama.chat_requests]
        assert len(set(sent)) == 2, sent
        recorded = sorted(session.turns[0].seed for session in sessions(sparring_home))
        assert recorded == sorted(sent)

    def test_seed_temperature_and_max_tokens_are_sent_as_given(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        flags = ("--seed", "42", "--temperature", "0.3", "--max-tokens", "77")
        assert sparring(*ASK, "-m", MODEL, *flags, input=DRAFT, env=env(ollama)).code == 0
        options = ollama.chat_requests[-1].body["options"]
        assert (options["seed"], options["temperature"], options["num_predict"]) == (42, 0.3, 77)

    def test_an_openai_compatible_server_gets_the_seed_and_anthropic_none(
        self, sparring: Runner, openai_server: FakeOpenAI, anthropic_server: FakeAnthropic
    ) -> None:
        servers = {
            "OPENAI_BASE_URL": openai_server.base_url,
            "ANTHROPIC_BASE_URL": anthropic_server.url,
        }
        for model in ("openai:gpt-4.1", "anthropic:claude-sonnet-4-5"):
            result = sparring(*ASK, "-m", model, "--seed", "7", "--yes", input=DRAFT, env=servers)
            assert result.code == 0, result.stderr
        assert openai_server.chat_requests[-1].body["seed"] == 7
        assert "seed" not in anthropic_server.chat_requests[-1].body

    @pytest.mark.parametrize(
        "flags", [("--temperature", "5"), ("--max-tokens", "0"), ("--seed", "-1")]
    )
    def test_a_value_out_of_range_is_a_usage_error(
        self, sparring: Runner, flags: tuple[str, str]
    ) -> None:
        result = sparring("headlines", "-m", "local", *flags, input=DRAFT)
        assert result.code == 2
        assert result.stderr.startswith(f"sparring: error: {flags[0]}")


class TestJson:
    def test_json_without_saving_names_no_session(
        self, sparring: Runner, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        result = sparring(
            "headlines", "-m", MODEL, "--json", "--no-save", input=DRAFT, env=env(ollama)
        )
        document = json.loads(result.stdout)
        assert document["session"] is None
        assert isinstance(document["seed"], int)
        assert saved_sessions(sparring_home) == []


class TestContinue:
    def test_a_follow_up_continues_the_newest_session_in_each_models_own_thread(
        self, sparring: Runner, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        ollama.script(Reply(chunks=REPEATED), Reply(chunks=("Shorter: ", "Shade pays.")))
        assert sparring("headlines", FREE, "-m", MODEL, input=DRAFT, env=env(ollama)).code == 0
        result = sparring("continue", "shorter, please", env=env(ollama))
        assert result.code == 0, result.stderr
        assert result.stdout == "Shorter: Shade pays.\n"
        roles = [(m["role"], m["content"]) for m in ollama.chat_requests[-1].body["messages"]]
        assert roles[-2] == ("assistant", "".join(REPEATED))
        assert roles[-1] == ("user", "shorter, please")
        [session] = sessions(sparring_home)
        assert [turn.task for turn in session.turns] == ["headlines", "follow-up"]
        assert session.turns[1].replies[0].text == "Shorter: Shade pays."

    def test_an_id_and_one_model_of_the_session_can_be_named(
        self, sparring: Runner, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        both = ("-m", MODEL, "--vs", "ollama:qwen3:4b")
        assert sparring("headlines", *both, input=DRAFT, env=env(ollama)).code == 0
        [session] = sessions(sparring_home)
        result = sparring("continue", session.id, "why?", "-m", MODEL, env=env(ollama))
        assert result.code == 0, result.stderr
        [session] = sessions(sparring_home)
        assert session.turns[1].to == MODEL
        assert [reply.model for reply in session.turns[1].replies] == [MODEL]

    def test_a_model_that_never_answered_in_the_session_is_refused(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        assert sparring("headlines", "-m", MODEL, input=DRAFT, env=env(ollama)).code == 0
        result = sparring("continue", "why?", "-m", "local", env=env(ollama))
        assert result.code == 2
        assert "local has not answered" in result.stderr and MODEL in result.stderr

    def test_without_any_session_it_says_so(self, sparring: Runner) -> None:
        result = sparring("continue", "why?")
        assert result.code == 2
        assert "no saved session to continue" in result.stderr


class TestStatusLine:
    def test_a_terminal_sees_waiting_until_the_answer_starts_then_only_the_answer(
        self, terminal: TerminalFactory, ollama: FakeOllama
    ) -> None:
        ollama.script(Reply(chunks=("The draft ", "is clear."), stall_after=0, stall_seconds=3))
        command = sparring_command("ask", str(SAMPLE_DRAFT), "--ask", "Is it clear?", "-m", MODEL)
        screen = terminal(command, env(ollama))
        waiting = screen.wait_for(lambda text: "waiting" in text)
        assert "s" in waiting.split("waiting", 1)[1].split()[0]  # with the seconds waited
        done = screen.wait_for(lambda text: "EXITED" in text)
        assert "The draft is clear." in done
        assert "waiting" not in done and "starting" not in done


class TestSideBySideInATerminal:
    def test_long_answers_stream_with_their_headers_on_screen_then_print_whole(
        self, terminal: TerminalFactory, ollama: FakeOllama
    ) -> None:
        lines = [f"Line {n} of a long answer about trees.\n\n" for n in range(1, 41)]
        ollama.script(Reply(chunks=lines, delay=0.05), Reply(chunks=lines, delay=0.05))
        command = sparring_command(
            "ask", str(SAMPLE_DRAFT), "--ask", "Go on", "-m", MODEL, "--vs", "ollama:qwen3:4b"
        )
        screen = terminal(command, env(ollama), 100, 20)
        # Half-way, the newest lines and both panels' titles are on the 20-line screen.
        mid = screen.wait_for(lambda text: "Line 20 " in text)
        tops = [line for line in mid.splitlines() if line.startswith("╭")]
        assert len(tops) == 1 and "llama3.2:1b" in tops[0] and "qwen3:4b" in tops[0], mid
        assert "Line 1 " not in mid  # the start scrolled out of the panel, not off the screen
        done = screen.wait_for(lambda text: "EXITED" in text)
        assert "EXITED 0" in done and "Line 40 " in done


class TestBlindVoteInATerminal:
    def test_answers_taller_than_the_screen_can_be_read_again_before_the_one_key_vote(
        self, terminal: TerminalFactory, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        words = ["oak", "bus", "rain", "shade", "euro", "heat", "walk", "park", "tax", "road"]
        lines = [
            f"{n}. {words[n % 10]} {words[n // 10 % 10]} {words[n * 7 % 10]} {n * 37}\n"
            for n in range(1, 31)
        ]  # thirty different ideas: too many lines for a 20-line screen
        ollama.script(Reply(chunks=lines), Reply(chunks=lines))
        command = sparring_command(
            "headlines", str(SAMPLE_DRAFT), "-m", MODEL, "--vs", "ollama:qwen3:4b", "--blind"
        )
        screen = terminal(command, {**env(ollama), "PAGER": "less"}, 100, 20)
        asked = screen.wait_for(lambda text: "Which is better?" in text)
        assert "[r] read again" in asked
        screen.keys("r")
        paged = screen.wait_for(lambda text: "Which is better?" not in text and "─ A ─" in text)
        assert "1. bus oak" in paged  # from the top, in the pager
        screen.keys("q")
        screen.wait_for(lambda text: "Which is better?" in text)
        screen.keys("Up", "b")  # an arrow key is no answer (nor a skip); b is
        done = screen.wait_for(lambda text: "EXITED" in text)
        answered = done.split("Which is better?")[-1].split("\n")[0]
        assert answered.endswith("[s] skip b"), answered  # b echoed: not skipped by the arrow
        assert "B is better" in done
        [session] = sessions(sparring_home)
        assert session.votes[0].choice == "B"


def test_what_arrived_but_was_not_yet_printed_is_printed_after_a_signal() -> None:
    # Found by CI (tests/test_signals.py): Ctrl-C landed after a piece of text reached the
    # reply and before the listener printed it; the session kept "sentence", stdout "sent".
    import io

    from sparring.cli.pipe import Output, PipeOptions, _print_result
    from sparring.sessions.model import Reply as SavedReply
    from sparring.sessions.model import Turn

    turn = Turn(
        task="ask", user="?", replies=[SavedReply(model="local", text="the first sentence")]
    )
    stream = io.StringIO()
    _print_result(
        Session(turns=[turn]), turn, PipeOptions(), Output(stream), side_by_side=False, printed=14
    )
    assert stream.getvalue() == "ence\n"
