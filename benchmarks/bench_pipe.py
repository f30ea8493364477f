"""Goal 3: what pipe mode adds to a request made directly with the backend's SDK.

A local server that speaks the backend's protocol streams a fixed reply at
once. Side A is `sparring headlines DRAFT -m MODEL --print --raw --free` (one
request, streamed as written: without --raw a list is printed folded, once it is
whole, and without --free a model on this machine is asked for the list in
batches held to the count, see lists.py); side B is
probe_direct.py sending the very body sparring sent (recorded by the server)
through the SDK. Both are fresh processes, timed from their start: to the
first byte on stdout (time to first token) and to their exit (total).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import harness
from harness import Row, Timed

LIMIT = 0.050


def backends(fakes: Any, servers: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, str]]]:
    """provider -> (model, the SDK's URL, the environment that points sparring at it)."""
    openai, ollama, anthropic = servers["openai"], servers["ollama"], servers["anthropic"]
    return {
        "openai": ("openai:gpt-4o-mini", openai.base_url, {"OPENAI_BASE_URL": openai.base_url}),
        "ollama": ("ollama:qwen3:4b", ollama.url, {"OLLAMA_HOST": ollama.url}),
        "anthropic": (
            "anthropic:claude-opus-4-1",
            anthropic.url,
            {"ANTHROPIC_BASE_URL": anthropic.url, "ANTHROPIC_API_KEY": "sk-bench"},
        ),
    }


def figures(timed: Timed) -> dict[str, float]:
    if timed.first_output is None:
        raise RuntimeError("nothing on stdout")
    return {"ttft": timed.first_output, "total": timed.total, "cpu": timed.cpu}


def compare(
    provider: str, server: Any, setup: tuple[str, str, dict[str, str]], home: Path, count: int
) -> list[Row]:
    model, url, extra = setup
    env = harness.command_env(home, **extra)
    draft = str(harness.draft_file(home))
    # --yes: the fakes stand for OpenAI and Anthropic, which are the cloud. --raw: the reply
    # streamed as written (a list is otherwise printed folded, once whole).
    command = [
        *harness.sparring_command(),
        *("headlines", draft, "-m", model, "--print", "--yes", "--raw", "--free"),
    ]

    def through_sparring() -> dict[str, float]:
        return figures(harness.checked(harness.timed_run(command, env), f"sparring -m {model}"))

    body_file = home / f"{provider}-body.json"
    direct = [
        sys.executable,
        str(harness.BENCHMARKS / "probe_direct.py"),
        provider,
        url,
        str(body_file),
    ]

    def through_sdk(*flags: str) -> dict[str, float]:
        if not body_file.exists():  # sparring ran first, in the warm-up: send what it sent
            body_file.write_text(json.dumps(server.chat_requests[-1].body), encoding="utf-8")
        run = harness.timed_run([*direct, *flags], env)
        return figures(harness.checked(run, f"{provider} SDK"))

    ours, theirs = harness.alternate(
        through_sparring, lambda: (through_sdk(), through_sdk("--quick-exit")), count
    )
    plain = [sdk for sdk, _ in theirs]
    quick = [sdk for _, sdk in theirs]
    rows = []
    for key, label in (("ttft", "time to first token"), ("total", "total time")):
        mine, sdk = harness.pick(ours, key), harness.pick(plain, key)
        added = harness.paired_difference(ours, plain, key)
        cpu_added = harness.paired_difference(ours, plain, "cpu")
        added_quick = harness.paired_difference(ours, quick, key)
        how = (
            f"sparring {mine * 1000:.0f} ms vs the {provider} SDK {sdk * 1000:.0f} ms, "
            f"medians of {count} fresh processes; the figure is the median of the "
            f"paired differences; CPU time added: {cpu_added * 1000:.0f} ms; against the "
            f"SDK script ending as sparring does (os._exit, no teardown): "
            f"{added_quick * 1000:+.0f} ms"
        )
        rows.append(
            harness.below(3, f"pipe mode adds, {provider}, {label}", added, LIMIT, "s", detail=how)
        )
    return rows


def run(quick: bool) -> list[Row]:
    fakes = harness.fakeservers()
    # A fresh process's time to first output swings by tens of ms from one run to
    # the next, as much as the figure itself: more samples here than elsewhere.
    count = harness.PROCESS_RUNS if quick else 11
    rows: list[Row] = []
    with harness.temp_home() as home:
        servers = {
            "openai": fakes.FakeOpenAI(),
            "ollama": fakes.FakeOllama(),
            "anthropic": fakes.FakeAnthropic(),
        }
        for server in servers.values():
            server.start()
        try:
            for provider, setup in backends(fakes, servers).items():
                try:
                    rows.extend(compare(provider, servers[provider], setup, home, count))
                except Exception as error:
                    rows.append(
                        harness.not_measured(
                            3, f"pipe mode adds, {provider}", "< 50 ms", repr(error)
                        )
                    )
        finally:
            for server in servers.values():
                server.stop()
    return rows
