"""Goal 2: start-up.

`sparring --help` under 0.25 s and within 4× `python -c pass`; the TUI's
first frame (headless) within 1.3× that of a minimal Textual app, with the
default config and with a config naming a model of every backend.
Every side runs in a fresh process, alternately with its reference.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import harness
from harness import Row

EVERY_BACKEND = """\
default_model = "small"
compare = ["small", "ollama:qwen3:4b", "openai:gpt-4o-mini", "anthropic:claude-opus-4-1"]
[aliases]
small = "local"
[endpoints.groq]
base_url = "https://api.groq.com/openai/v1"
api_key_env = "GROQ_API_KEY"
"""


def first_frame(target: list[str], env: dict[str, str]) -> float:
    """Seconds from starting the process to its first frame."""
    read_end, write_end = os.pipe()
    terminal, child_side = pty.openpty()
    probe = [sys.executable, str(harness.BENCHMARKS / "probe_first_frame.py")]
    started = time.monotonic()
    process = subprocess.Popen(
        [*probe, repr(started), str(write_end), *target],
        stdin=child_side,
        stdout=child_side,
        stderr=subprocess.PIPE,
        pass_fds=(write_end,),
        env=env,
    )
    os.close(write_end)
    os.close(child_side)
    try:
        reported = os.read(read_end, 64).decode().strip()
        _, stderr = process.communicate(timeout=60)
    finally:
        os.close(read_end)
        os.close(terminal)
    if not reported:
        lines = stderr.decode(errors="replace").strip().splitlines()
        errors = [line.strip() for line in lines if "Error" in line or "error:" in line]
        why = " | ".join(errors[:2] or lines[-2:])
        raise RuntimeError(f"no frame from {' '.join(target)}: {why}")
    return float(reported)


def help_rows(count: int, env: dict[str, str]) -> list[Row]:
    command = harness.sparring_command()
    help_runs, pass_runs = harness.alternate(
        lambda: harness.checked(harness.timed_run([*command, "--help"], env), "--help").total,
        lambda: harness.timed_run([sys.executable, "-c", "pass"], env).total,
        count,
    )
    help_time, pass_time = harness.median(help_runs), harness.median(pass_runs)
    how = f"median of {count}; `python -c pass` took {pass_time * 1000:.0f} ms"
    return [
        harness.below(2, "`sparring --help` wall time", help_time, 0.25, "s", detail=how),
        harness.at_most(
            2, "`sparring --help` / `python -c pass`", help_time / pass_time, 4.0, "x", detail=how
        ),
    ]


def tui_row(label: str, count: int, env: dict[str, str]) -> Row:
    command = harness.sparring_command()
    entry = ["-m", "sparring"] if command[-2:] == ["-m", "sparring"] else command
    tui, references = harness.alternate(
        lambda: first_frame(entry, env),
        lambda: (first_frame(["minimal"], env), first_frame(["same-widgets"], env)),
        count,
    )
    tui_time = harness.median(tui)
    minimal_time = harness.median([minimal for minimal, _ in references])
    same_time = harness.median([same for _, same in references])
    how = (
        f"first frame {tui_time * 1000:.0f} ms vs {minimal_time * 1000:.0f} ms for a minimal "
        f"Textual app (median of {count}, from process start, headless); a Textual app with "
        f"the main screen's widgets and no sparring code: {same_time * 1000:.0f} ms, "
        f"{same_time / minimal_time:.2f}× the minimal app"
    )
    return harness.at_most(
        2, f"TUI first frame / minimal app ({label})", tui_time / minimal_time, 1.3, "x", detail=how
    )


def run(quick: bool) -> list[Row]:
    count = harness.runs(quick)
    rows: list[Row] = []
    with harness.temp_home() as home:
        env = harness.command_env(home)
        rows.extend(help_rows(count, env))
        for label, config in (
            ("default config", None),
            ("every backend configured", EVERY_BACKEND),
        ):
            if config is not None:
                Path(home, "config.toml").write_text(config, encoding="utf-8")
            try:
                rows.append(tui_row(label, count, env))
            except Exception as error:  # the TUI is being built: say why, do not fake it
                rows.append(
                    harness.not_measured(2, f"TUI first frame ({label})", "≤ 1.30×", repr(error))
                )
    return rows
