"""The hostile-input suite: generated files, streams and text that sparring must take calmly.

Each property says what must hold for any input hypothesis can make up: a file
of the wrong shape is refused in one line (naming the field) or read whole;
a stream, however malformed, ends in an answer or in a SparringError (one
line, an exit code), never in another exception; text keeps every word, shows
no control character on a terminal, and holds no key. New input paths get a
property here as they are written.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes import FakeOllama, Reply
from helpers import run_sparring
from sparring import config, engine, prompts, secret
from sparring.cli.streams import GuardedStream
from sparring.config import Config
from sparring.errors import ConfigError, PromptError, SessionFormatError, SparringError
from sparring.items import Item
from sparring.providers.base import Backend, ChatRequest, Finish, Message, Usage
from sparring.providers.openai import _chunks
from sparring.providers.scripted import Script, ScriptedFactory
from sparring.providers.thinking import Thinking
from sparring.sessions.model import Context, Keeper, Session, Turn, Vote
from sparring.sessions.model import Reply as SavedReply
from sparring.sessions.toml_format import from_toml, to_dict, to_toml
from sparring.sessions.turns import new_session
from sparring.visible import encodable, visible

PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: What a terminal obeys: C0 but newline and tab, DEL, C1.
CONTROLS = {chr(code) for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]} - {"\n", "\t"}
#: Text of any kind: every code point, lone surrogates included (a JSON "\ud800" makes one).
any_text = st.text(st.characters(), max_size=60) | st.sampled_from(
    [
        "\x1b]0;PWNED\x07",
        "\x1b]52;c;cHduZWQ=\x07",
        "\x1b[2J",
        "\x9b31m",
        "\ud800",
        "{context}",
        "\r\n",
    ]
)
#: What TOML can hold, nested.
toml_values = st.recursive(
    st.text(max_size=20)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.booleans(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


#: What an OpenAI-compatible server may send: keep-alives, [DONE], garbage, and chat
#: completion chunks of any shape, each event ended by its blank line.
_chunk_shapes = st.fixed_dictionaries(
    {},
    optional={
        "choices": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "delta": st.dictionaries(
                        st.sampled_from(["content", "reasoning", "reasoning_content", "refusal"]),
                        toml_values | any_text,
                    )
                    | toml_values,
                    "finish_reason": toml_values,
                },
            )
            | toml_values,
            max_size=2,
        )
        | toml_values,
        "usage": toml_values,
        "error": toml_values,
    },
)
sse_frames = st.one_of(
    st.just([": keep-alive"]),
    st.just(["data: [DONE]", ""]),
    st.text(max_size=20).map(lambda text: [text, ""]),
    toml_values.map(lambda value: ["data: " + json.dumps(value), ""]),
    _chunk_shapes.map(lambda chunk: ["data: " + json.dumps(chunk), ""]),
)


def one_line(error: Exception) -> str:
    text = error.one_line() if isinstance(error, SparringError) else str(error)
    assert text and "\n" not in text, repr(text)
    return text


def a_session() -> Session:
    reply = SavedReply(
        model="local",
        backend="local:x",
        status="ok",
        text="1. Trees",
        items=[Item("Trees")],
        input_tokens=10,
        output_tokens=3,
        ttft=0.2,
        seconds=1.0,
        cost=0.0,
        thinking="hm",
        thinking_tokens=1,
    )
    other = SavedReply(model="flagship", status="ok", text="1. Shade")
    return Session(
        id="0123abcd",
        title="headlines: trees",
        context=Context("Our city", ["draft.md"]),
        turns=[Turn(task="headlines", user="u", output="list", replies=[reply, other])],
        keepers=[Keeper("Trees", "local", 0)],
        votes=[Vote(turn=0, order=["local", "flagship"], choice="A")],
        egress=["x:y"],
    )


def paths_in(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in nested dicts and lists."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from paths_in(value, (*prefix, key))


VALID = to_dict(a_session())
PATHS = list(paths_in(VALID))


@st.composite
def malformed_session(draw: st.DrawFn) -> str:
    """The TOML of a good session with one to three places changed or removed."""
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(toml_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change took this path away
    return tomli_w.dumps(data)


class TestFiles:
    @PROPERTY
    @given(text=malformed_session())
    def test_a_session_file_is_read_whole_or_refused_in_one_line(self, text: str) -> None:
        try:
            session = from_toml(text)
        except SessionFormatError as error:
            one_line(error)
            return
        # Read: nothing is lost on the way back to disk.
        assert to_dict(from_toml(to_toml(session))) == to_dict(session)

    @PROPERTY
    @given(text=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
    def test_any_text_as_a_session_file_is_a_session_or_one_line(self, text: str) -> None:
        try:
            from_toml(text)
        except SessionFormatError as error:
            one_line(error)

    @PROPERTY
    @given(
        data=st.dictionaries(
            st.sampled_from(
                [
                    "default_model",
                    "compare",
                    "max_tokens",
                    "thinking_budget",
                    "temperature",
                    "stall_timeout",
                    "max_context_chars",
                    "privacy",
                    "aliases",
                    "endpoints",
                    "local",
                    "pricing",
                    "models",
                    "locations",
                    "unknown",
                ]
            ),
            toml_values,
            max_size=5,
        )
    )
    def test_a_config_file_is_a_config_or_one_line_naming_the_file(
        self, data: dict[str, Any]
    ) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "config.toml"
            path.write_text(tomli_w.dumps(data), encoding="utf-8")
            try:
                loaded = config.load(path)
            except ConfigError as error:
                assert one_line(error).startswith(str(path))
                return
        assert isinstance(loaded, Config)
        for key in ("temperature", "stall_timeout", "max_tokens"):
            value = getattr(loaded, key)
            assert value is None or value == value  # no NaN gets in

    @PROPERTY
    @given(
        data=st.dictionaries(
            st.sampled_from(
                ["description", "output", "count", "system", "template", "fields", "think", "x"]
            ),
            toml_values
            | st.sampled_from(["{context}", "{{context}}", "{count} {context}", "{x.y}"]),
            max_size=6,
        ),
        draft=any_text,
    )
    def test_a_prompt_file_is_a_task_or_one_line_and_the_draft_goes_in_whole(
        self, data: dict[str, Any], draft: str
    ) -> None:
        try:
            prompt = prompts.parse("t", tomli_w.dumps(data), Path("/p/t.toml"))
        except PromptError as error:
            assert one_line(error).startswith("/p/t.toml")
            return
        assert draft in prompt.render(draft)


class TestStreams:
    @PROPERTY
    @given(deltas=st.lists(any_text, max_size=8), thinking=st.lists(any_text, max_size=3))
    def test_every_word_of_a_hostile_answer_is_kept_and_saved(
        self, deltas: list[str], thinking: list[str]
    ) -> None:
        session = new_session("draft", ["stdin"], task="ask")
        turn = Turn(task="ask", user="u", replies=[SavedReply(model="m")])
        session.turns.append(turn)
        factory = ScriptedFactory({"m": Script(deltas, thinking=thinking)})
        loaded = Config(aliases={"m": "local"})
        asyncio.run(engine.run_turn(session, turn, loaded, backend_factory=factory))
        [reply] = turn.replies
        assert reply.status == "ok", reply.error
        assert reply.text == "".join(encodable(delta) for delta in deltas)
        assert reply.thinking == "".join(encodable(piece) for piece in thinking)
        assert to_dict(from_toml(to_toml(session))) == to_dict(session)

    @PROPERTY
    @given(
        events=st.lists(
            st.one_of(
                any_text,
                st.integers(),
                st.none(),
                st.binary(max_size=4),
                any_text.map(Thinking),
                st.integers().map(Thinking),  # type: ignore[arg-type]
            ),
            max_size=6,
        ),
        final=st.booleans(),
    )
    def test_a_stream_of_anything_ends_in_an_answer_or_one_line(
        self, events: list[Any], final: bool
    ) -> None:
        class Hostile(Backend):
            provider = "hostile"

            async def _generate(self, request: ChatRequest) -> AsyncIterator[Any]:
                for event in events:
                    yield event
                if final:
                    yield Finish()

        async def play() -> list[Any]:
            request = ChatRequest((Message("user", "u"),))
            return [event async for event in Hostile("m").stream(request)]

        try:
            got = asyncio.run(play())
        except SparringError as error:
            one_line(error)
            return
        assert isinstance(got[-1], Usage)
        for event in got[:-1]:
            text = event.text if isinstance(event, Thinking) else event
            assert isinstance(text, str)
            text.encode("utf-8")

    @PROPERTY
    @given(frames=st.lists(sse_frames, max_size=8))
    def test_any_server_sent_events_end_in_events_or_one_line(
        self, frames: list[list[str]]
    ) -> None:
        lines = [line for frame in frames for line in frame]

        class Response:
            async def iter_lines(self) -> AsyncIterator[str]:
                for line in lines:
                    yield line

        async def read() -> list[Any]:
            return [event async for event in _chunks(Response(), "openai:m")]

        try:
            events = asyncio.run(read())
        except SparringError as error:
            one_line(error)
            return
        assert all(isinstance(event, str | Thinking | Finish) for event in events)


class TestText:
    @PROPERTY
    @given(text=any_text)
    def test_shown_on_a_terminal_it_obeys_nothing(self, text: str) -> None:
        assert not CONTROLS & set(visible(text))

    @PROPERTY
    @given(
        before=any_text,
        after=any_text,
        key=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40),
    )
    def test_a_key_anywhere_in_it_is_redacted(self, before: str, after: str, key: str) -> None:
        secret.Secret(key)
        assert key not in secret.redact(f"{before}{key}{after}")

    @PROPERTY
    @given(text=any_text)
    def test_the_standard_streams_take_any_of_it(self, text: str) -> None:
        inner = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        stream = GuardedStream(inner, "stdout")
        stream.write(text)
        stream.flush()
        assert stream.failure is None


@pytest.mark.parametrize(
    ("draft", "chunks"),
    [
        ("Ett utkast med {braces} och \x1b[31mfärg", ["1. \x1b]0;title\x07", " två\r\n", "\x9b"]),
        ("tabs\tand\r\nCRLF", ["", "x", "\ud800 lone"]),
        ("{context} {count} {{x}}", ["kept as is: {context}\n"]),
    ],
)
def test_through_the_command_into_a_pipe_nothing_is_lost(
    sparring_home: Path, draft: str, chunks: list[str]
) -> None:
    """The whole way: a hostile draft in, a hostile answer out, byte for byte into a pipe."""
    with FakeOllama(models=("qwen3:4b",)) as server:
        server.script(Reply(chunks=chunks))
        result = run_sparring(
            "--ask", "say it", "-m", "ollama:qwen3:4b", input=draft, env={"OLLAMA_HOST": server.url}
        )
    answer = "".join(chunks).replace("\ud800", "\ufffd")
    assert result.code == 0, result.stderr
    assert result.stdout == answer + ("" if answer.endswith("\n") else "\n")
    [path] = (sparring_home / "sessions").glob("*.toml")
    saved = from_toml(path.read_text(encoding="utf-8"))
    assert saved.context.text == draft
    assert saved.turns[0].replies[0].text == answer
