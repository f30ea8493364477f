"""Goal 6: a compare takes as long as its slower model, not the sum.

Two backends answer with fixed delays (the faster in 0.5 s, the slower in
1 s). The wall time of the compare over that of the slower one alone must
be at most 1.1. Two paths: the engine with scripted backends in-process,
and the real command against two local servers (Ollama's and OpenAI's
protocols), where each run is a fresh process.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import harness
import scripted
from harness import Row

from sparring.providers.scripted import ScriptedFactory

FAST = scripted.paced(20, every=0.025, first_after=0.025)  # 0.5 s
SLOW = scripted.paced(40, every=0.025, first_after=0.025)  # 1.0 s
LIMIT = 1.1


def engine_wall(models: list[str]) -> float:
    from sparring import engine
    from sparring.sessions.model import Reply, Session, Turn

    turn = Turn(task="draft", user=harness.DRAFT, replies=[Reply(model=m) for m in models])
    factory = ScriptedFactory({"left": FAST, "right": SLOW})
    started = time.perf_counter()
    asyncio.run(
        engine.run_turn(Session(turns=[turn]), turn, scripted.config(), backend_factory=factory)
    )
    wall = time.perf_counter() - started
    if any(reply.status != "ok" for reply in turn.replies):
        raise RuntimeError(f"a reply failed: {[r.error for r in turn.replies]}")
    return wall


def engine_row(count: int) -> Row:
    both, alone = harness.alternate(
        lambda: engine_wall(["left", "right"]), lambda: engine_wall(["right"]), count
    )
    ratio = harness.median(both) / harness.median(alone)
    how = (
        f"compare {harness.median(both):.3f} s vs the slower alone "
        f"{harness.median(alone):.3f} s (median of {count})"
    )
    return harness.at_most(6, "compare / slower alone, engine", ratio, LIMIT, "x", detail=how)


def command_row(fakes: Any, count: int) -> Row:
    fast = fakes.Reply(
        chunks=FAST.deltas,
        delay=FAST.every,
        stall_after=0,
        stall_seconds=FAST.first_after,
    )
    slow = fakes.Reply(
        chunks=SLOW.deltas,
        delay=SLOW.every,
        stall_after=0,
        stall_seconds=SLOW.first_after,
    )
    with harness.temp_home() as home, fakes.FakeOpenAI() as openai, fakes.FakeOllama() as ollama:
        env = harness.command_env(home, OPENAI_BASE_URL=openai.base_url, OLLAMA_HOST=ollama.url)
        command = [
            *harness.sparring_command(),
            "ask",
            str(harness.draft_file(home)),
            "--ask",
            "Say something.",
            "-m",
            "openai:gpt-4o-mini",
            "--yes",  # the fake stands for OpenAI, which is the cloud
        ]

        def compare() -> float:
            openai.script(slow)
            ollama.script(fast)
            run = harness.timed_run([*command, "--vs", "ollama:qwen3:4b"], env)
            return harness.checked(run, "sparring --vs").total

        def alone() -> float:
            openai.script(slow)
            return harness.checked(harness.timed_run(command, env), "sparring").total

        both, single = harness.alternate(compare, alone, count)
    ratio = harness.median(both) / harness.median(single)
    how = (
        f"`-m openai --vs ollama` {harness.median(both):.2f} s vs `-m openai` alone "
        f"{harness.median(single):.2f} s (median of {count}, fresh processes)"
    )
    return harness.at_most(6, "compare / slower alone, command", ratio, LIMIT, "x", detail=how)


def run(quick: bool) -> list[Row]:
    count = harness.runs(quick)
    rows = [engine_row(count)]
    try:
        rows.append(command_row(harness.fakeservers(), harness.PROCESS_RUNS))
    except Exception as error:
        rows.append(
            harness.not_measured(6, "compare / slower alone, command", "≤ 1.10×", repr(error))
        )
    return rows
