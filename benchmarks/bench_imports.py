"""Goal 1: a command imports only what it needs (exact, not timed).

The real `sparring` command runs under probe_modules.py, which writes the
names in sys.modules when it exits. After `--help`, `prompts`, and a
pipe-mode run on each backend, no other backend's SDK, nor textual,
llama_cpp or numpy, may be among them unless that run needs it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import harness
from harness import Row

from sparring.errors import AnswerCut

HEAVY = ("ollama", "openai", "anthropic", "textual", "llama_cpp", "numpy")
#: Not part of the goal, but worth knowing when they show up.
WATCHED = ("rich", "httpx", "httpx2", "rapidfuzz", "tomli_w")
#: What each pipe-mode run needs, beyond the core.
NEEDS = {
    "openai": {"openai"},
    "ollama": {"ollama"},
    "anthropic": {"anthropic"},
    "local": {"llama_cpp", "numpy"},
}
TARGET = "no other SDK, textual, llama_cpp, numpy"


def loaded_modules(arguments: list[str], env: dict[str, str], out: Path) -> set[str]:
    command = harness.sparring_command()
    entry = ["-m", "sparring"] if command[-2:] == ["-m", "sparring"] else command
    probe = [sys.executable, str(harness.BENCHMARKS / "probe_modules.py"), str(out), *entry]
    timed = harness.timed_run([*probe, *arguments], env)
    if timed.returncode != AnswerCut.exit_code:  # cut at max_tokens = 16, as meant
        harness.checked(timed, f"sparring {' '.join(arguments)}")
    return {name.partition(".")[0] for name in json.loads(out.read_text(encoding="utf-8"))}


def row(label: str, modules: set[str], allowed: set[str]) -> Row:
    if not allowed <= modules:
        # The run never reached its backend, so it proves nothing about imports.
        missing = ", ".join(sorted(allowed - modules))
        return harness.not_measured(1, f"imports after {label}", TARGET, f"{missing} not loaded")
    offenders = sorted(name for name in HEAVY if name in modules and name not in allowed)
    watched = sorted(name for name in WATCHED if name in modules)
    detail = f"also loaded: {', '.join(watched) or 'nothing watched'}"
    if offenders:
        detail = f"loaded without need: {', '.join(offenders)}; " + detail
    figure = "clean" if not offenders else "loads " + ", ".join(offenders)
    return harness.exact(1, f"imports after {label}", not offenders, figure, TARGET, detail=detail)


def run(quick: bool) -> list[Row]:
    fakes = harness.fakeservers()
    rows: list[Row] = []
    with harness.temp_home() as home:
        (home / "config.toml").write_text("max_tokens = 16\n[local]\nmax_tokens = 16\n")
        draft = str(harness.draft_file(home))
        out = home / "modules.json"
        env = harness.command_env(home)
        for label, arguments in (
            ("`sparring --help`", ["--help"]),
            ("`sparring prompts`", ["prompts"]),
        ):
            rows.append(row(label, loaded_modules(arguments, env, out), set()))
        with (
            fakes.FakeOpenAI() as openai,
            fakes.FakeOllama() as ollama,
            fakes.FakeAnthropic() as anthropic,
        ):
            backends = {
                "openai": ("openai:gpt-4o-mini", {"OPENAI_BASE_URL": openai.base_url}),
                "ollama": ("ollama:qwen3:4b", {"OLLAMA_HOST": ollama.url}),
                "anthropic": (
                    "anthropic:claude-opus-4-1",
                    {"ANTHROPIC_BASE_URL": anthropic.url, "ANTHROPIC_API_KEY": "sk-bench"},
                ),
                "local": ("local", {}),
            }
            for name, (model, extra) in backends.items():
                # --yes: the fakes stand for OpenAI and Anthropic, which are the cloud.
                arguments = ["headlines", draft, "-m", model, "--yes"]
                modules = loaded_modules(arguments, harness.command_env(home, **extra), out)
                rows.append(row(f"a pipe run on {name}", modules, NEEDS[name]))
    return rows
