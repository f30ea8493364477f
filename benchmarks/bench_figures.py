"""Goal 4: the figures sparring reports are right.

Against streams with known pacing (first token after 0.2 s, then one every
20 ms: 50 tokens/s), the reported time to first token and tokens per
second must be within 5% of the truth. Two paths: the engine driving a
scripted backend in-process (its clock is exact), and the real command
(`--json`) against a local OpenAI-compatible server paced the same way.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import harness
import scripted
from harness import Row

from sparring.providers.scripted import ScriptedFactory

FIRST_AFTER = 0.2
EVERY = 0.02
TOKENS = 21
TRUE_RATE = 1 / EVERY
LIMIT = 0.05


def through_engine() -> dict[str, float]:
    from sparring import engine
    from sparring.sessions.model import Reply, Session, Turn

    script = scripted.paced(TOKENS, every=EVERY, first_after=FIRST_AFTER)
    turn = Turn(task="draft", user=harness.DRAFT, replies=[Reply(model="left")])
    session = Session(turns=[turn])
    factory = ScriptedFactory({"left": script})
    asyncio.run(engine.run_turn(session, turn, scripted.config(), backend_factory=factory))
    reply = turn.replies[0]
    if reply.ttft is None or reply.tokens_per_second is None:
        raise RuntimeError(f"no figures reported: {reply.status} {reply.error}")
    return {"ttft": reply.ttft, "rate": reply.tokens_per_second}


def through_command(fakes: Any, provider: str, quick: bool) -> list[dict[str, float]]:
    chunks = [scripted.token(index) for index in range(TOKENS)]
    reply = fakes.Reply(chunks=chunks, stall_after=0, stall_seconds=FIRST_AFTER, delay=EVERY)
    kind = {
        "openai": fakes.FakeOpenAI,
        "ollama": fakes.FakeOllama,
        "anthropic": fakes.FakeAnthropic,
    }[provider]
    with harness.temp_home() as home, kind() as server:
        draft = str(harness.draft_file(home))
        model, extra = {
            "openai": ("openai:gpt-4o-mini", {"OPENAI_BASE_URL": getattr(server, "base_url", "")}),
            "ollama": ("ollama:qwen3:4b", {"OLLAMA_HOST": server.url}),
            "anthropic": (
                "anthropic:claude-opus-4-1",
                {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_API_KEY": "sk-bench"},
            ),
        }[provider]
        env = harness.command_env(home, **extra)
        command = [
            *harness.sparring_command(),
            "ask",
            draft,
            "--ask",
            "Say something.",
            "-m",
            model,
            "--json",
            "--yes",  # the fakes stand for OpenAI and Anthropic, which are the cloud
        ]

        def once() -> dict[str, float]:
            server.script(reply)
            done = harness.checked(harness.timed_run(command, env), "sparring --json")
            answer = json.loads(done.stdout)["replies"][0]
            return {"ttft": answer["ttft"], "rate": answer["tokens_per_second"]}

        return harness.repeat(once, harness.PROCESS_RUNS)


def rows_for(path: str, samples: list[dict[str, float]]) -> list[Row]:
    ttft, rate = harness.pick(samples, "ttft"), harness.pick(samples, "rate")
    ttft_error = abs(ttft / FIRST_AFTER - 1)
    rate_error = abs(rate / TRUE_RATE - 1)
    return [
        harness.below(
            4,
            f"time to first token error, {path}",
            ttft_error,
            LIMIT,
            "%",
            detail=f"reported {ttft * 1000:.1f} ms, true {FIRST_AFTER * 1000:.0f} ms",
        ),
        harness.below(
            4,
            f"tokens per second error, {path}",
            rate_error,
            LIMIT,
            "%",
            detail=f"reported {rate:.2f} tok/s, true {TRUE_RATE:.0f} tok/s",
        ),
    ]


def run(quick: bool) -> list[Row]:
    rows = rows_for("engine", harness.repeat(through_engine, harness.runs(quick)))
    fakes = harness.fakeservers()
    for provider in ("openai", "ollama", "anthropic"):
        path = f"`sparring --json`, {provider}"
        try:
            rows.extend(rows_for(path, through_command(fakes, provider, quick)))
        except Exception as error:
            rows.append(harness.not_measured(4, f"figures, {path}", "< 5%", repr(error)))
    return rows
