"""Fault injection: every way a model server fails, for each protocol, through the real command.

Each case asserts the exit code, the message, the saved partial text, and that
nothing else was lost: the context and the prompt are in the session, and what
was shown on stdout is exactly what was saved.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakes import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    FakeAnthropic,
    FakeOllama,
    FakeOpenAI,
    FakeServer,
    Reply,
    closed_port,
)
from helpers import Runner, saved_sessions, write_config

DRAFT = "Our city should plant {many} trees by 2030.\n"


@dataclass(frozen=True)
class Protocol:
    name: str
    model: str
    variable: str
    server: type[FakeServer]

    def url(self, server: FakeServer) -> str:
        return server.base_url if isinstance(server, FakeOpenAI) else server.url  # type: ignore[attr-defined]


PROTOCOLS = [
    Protocol("ollama", "ollama:qwen3:4b", "OLLAMA_HOST", FakeOllama),
    Protocol("openai", "openai:gpt-4o-mini", "OPENAI_BASE_URL", FakeOpenAI),
    Protocol("anthropic", "anthropic:claude-opus-4-5", "ANTHROPIC_BASE_URL", FakeAnthropic),
]


@dataclass(frozen=True)
class Fault:
    name: str
    replies: tuple[Reply, ...]
    code: int
    message: str  # a fragment of the one line on stderr
    shown: str  # the text on stdout and in the session
    status: str
    retries: int = 0  # retry notices before the error line
    #: The protocols that can fail this way.
    protocols: tuple[str, ...] = ("ollama", "openai", "anthropic")


def partial(n: int) -> str:
    return "".join(DEFAULT_CHUNKS[:n])


FAULTS = [
    Fault("401", (Reply(status=401),), 77, "refused", "", "error"),
    Fault("404", (Reply(status=404),), 69, "", "", "error"),
    Fault("429 then 200", (Reply(status=429, retry_after=0), Reply()), 0, "", DEFAULT_TEXT, "ok"),
    Fault("429", (Reply(status=429, retry_after=0),) * 4, 75, "429", "", "error", retries=3),
    Fault("500", (Reply(status=500, retry_after=0),) * 4, 75, "500", "", "error", retries=3),
    Fault("529", (Reply(status=529, retry_after=0),) * 4, 75, "529", "", "error", retries=3),
    Fault("cut, close", (Reply(cut_after=2),), 75, "", partial(2), "interrupted"),
    Fault("cut, reset", (Reply(cut_after=3, cut_mode="reset"),), 75, "", partial(3), "interrupted"),
    Fault("reset before any text", (Reply(cut_after=0, cut_mode="reset"),), 75, "", "", "error"),
    Fault("no final marker", (Reply(omit_final=True),), 75, "cut off", DEFAULT_TEXT, "interrupted"),
    Fault(
        "stall", (Reply(stall_after=2, stall_seconds=20),), 75, "no data", partial(2), "interrupted"
    ),
    Fault("malformed frame", (Reply(malformed_after=2),), 75, "", partial(2), "interrupted"),
    Fault(
        "text that is a number",
        (Reply(wrong_type_after=2),),
        75,
        "malformed",
        partial(2),
        "interrupted",
    ),
    # The stall timeout counts answer and thinking, not bytes: keep-alive comments (OpenAI)
    # or pings (Anthropic) forever are cut as a silent stream is (Ollama sends none).
    Fault(
        "keep-alives only",
        (Reply(keepalive_after=2),),
        75,
        "no data (answer or thinking) for 1.5 s",
        partial(2),
        "interrupted",
        protocols=("openai", "anthropic"),
    ),
    Fault(
        "keep-alives from the start",
        (Reply(keepalive_after=0),),
        75,
        "no data (answer or thinking)",
        "",
        "error",
        protocols=("openai", "anthropic"),
    ),
    Fault("split frames", (Reply(split_frames=True),), 0, "", DEFAULT_TEXT, "ok"),
    Fault("error event", (Reply(error_event_after=3),), 75, "", partial(3), "interrupted"),
]


@pytest.fixture(params=PROTOCOLS, ids=lambda protocol: protocol.name)
def protocol(request: pytest.FixtureRequest) -> Protocol:
    return request.param


@pytest.fixture
def server(protocol: Protocol) -> Iterator[FakeServer]:
    with protocol.server() as running:
        yield running
        assert running.errors == []


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_each_fault_gives_its_exit_code_message_and_keeps_every_word(
    sparring: Runner, sparring_home: Path, protocol: Protocol, server: FakeServer, fault: Fault
) -> None:
    if protocol.name not in fault.protocols:
        pytest.skip(f"{protocol.name} cannot fail this way")
    write_config(sparring_home, "stall_timeout = 1.5\n")
    server.script(*fault.replies)
    result = sparring(
        "headlines",
        "--free",
        "-m",
        protocol.model,
        # The fakes stand for the services: OpenAI and Anthropic are the cloud.
        "--yes",
        input=DRAFT,
        env={protocol.variable: protocol.url(server)},
    )
    assert result.code == fault.code, result.stderr
    assert "Traceback" not in result.stderr
    if fault.code:
        *notices, line = result.stderr.strip().splitlines()
        assert fault.message in line
        # Anything before the error is a retry notice, one per retry.
        assert all("retrying in" in notice for notice in notices)
        assert len(notices) == fault.retries
    expected_stdout = fault.shown + ("" if not fault.shown or fault.shown.endswith("\n") else "\n")
    assert result.stdout == expected_stdout
    [path] = saved_sessions(sparring_home)
    saved = tomllib.loads(path.read_text())
    assert saved["context"]["text"] == DRAFT
    [turn] = saved["turns"]
    assert DRAFT in turn["user"]
    [reply] = turn["replies"]
    assert (reply["status"], reply.get("text", "")) == (fault.status, fault.shown)
    if fault.shown and fault.code:
        assert f"the partial answer is saved in session {saved['id']}" in result.stderr


def test_a_refused_connection_exits_69_and_saves_the_context(
    sparring: Runner, sparring_home: Path, protocol: Protocol
) -> None:
    url = closed_port() + ("/v1" if protocol.name == "openai" else "")
    result = sparring(
        "headlines",
        "--free",
        "-m",
        protocol.model,
        "--yes",
        input=DRAFT,
        env={protocol.variable: url},
    )
    assert result.code == 69
    assert "reachable" in result.stderr or "cannot connect" in result.stderr
    [path] = saved_sessions(sparring_home)
    saved = tomllib.loads(path.read_text())
    assert saved["context"]["text"] == DRAFT
    assert saved["turns"][0]["replies"][0]["status"] == "error"
