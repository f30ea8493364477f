"""Run sparring's benchmarks: one table of figures, each with its goal and whether it is met.

    python benchmarks/run.py                 # everything: about five minutes on 2 cores
    python benchmarks/run.py --quick         # shorter streams, five samples a side
    python benchmarks/run.py --only startup --only imports

Each benchmark runs in a process of its own, so one cannot warm the caches,
load the modules or hold the memory of another. The table goes to stdout,
progress to stderr, and every row (with how it was measured) to
benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import Row  # noqa: E402

#: Benchmark name -> (module, the goal it measures), in the issue's order.
BENCHMARKS: dict[str, tuple[str, int]] = {
    "imports": ("bench_imports", 1),
    "startup": ("bench_startup", 2),
    "pipe": ("bench_pipe", 3),
    "figures": ("bench_figures", 4),
    "embedded": ("bench_embedded", 5),
    "concurrency": ("bench_concurrency", 6),
    "tui": ("bench_tui", 7),
    "sessions": ("bench_sessions", 8),
    "memory": ("bench_memory", 9),
    "lists": ("bench_lists", 10),
    "warmup": ("bench_warmup", 11),
    "prefix": ("bench_prefix", 11),
    "anchors": ("bench_anchors", 17),
}
CHILD_TIMEOUT = 300.0
#: Benchmarks that ask a real model many times get longer.
LONG_TIMEOUTS = {"lists": 1800.0, "anchors": 1800.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, five samples a side")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        default=[],
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--json", type=Path, default=harness.RESULTS / "latest.json", help="where to write JSON"
    )
    parser.add_argument("--child", choices=list(BENCHMARKS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        return _child(options.child, options.quick, options.out)

    load_before = _load()
    if load_before > 0.5:
        print(
            f"note: the machine was already busy (load {load_before:.1f}); other work "
            "skews timings, though each figure compares runs taken side by side",
            file=sys.stderr,
        )
    started = time.perf_counter()
    rows: list[Row] = []
    with _bytecode_cache():
        for name in options.only or list(BENCHMARKS):
            print(f"benchmark {name}…", file=sys.stderr, flush=True)
            began = time.perf_counter()
            found = _in_child(name, options.quick)
            print(f"  {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
            rows.extend(found)
    elapsed = time.perf_counter() - started

    print(harness.table(rows))
    explained = harness.notes(rows)
    if explained:
        print("\nmissed or not measured:\n" + explained)
    met = sum(row.met is True for row in rows)
    print(f"\n{met} of {len(rows)} goals met; {elapsed:.0f} s; JSON in {options.json}")
    harness.write_json(
        rows,
        options.json,
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": options.quick,
            "seconds": round(elapsed, 1),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {_cores()} cores",
            "load_before": load_before,
            "load_after": _load(),
        },
    )
    return 0


@contextlib.contextmanager
def _bytecode_cache() -> Iterator[None]:
    """Let every process of the run keep compiled bytecode, in a folder of the run's own.

    Some machines set PYTHONDONTWRITEBYTECODE, and an editable install then has no
    .pyc for sparring's own modules: each start would compile them again, which no
    user sees (their first run writes the .pyc). With a cache prefix the warm-up
    runs compile once, and nothing is written into the checkout.
    """
    saved = {key: os.environ.get(key) for key in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    folder = tempfile.mkdtemp(prefix="sparring-bench-pyc-")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = folder
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)


def _in_child(name: str, quick: bool) -> list[Row]:
    goal = BENCHMARKS[name][1]
    with tempfile.TemporaryDirectory(prefix="sparring-bench-") as folder:
        out = Path(folder) / "rows.json"
        command = [sys.executable, __file__, "--child", name, "--out", str(out)]
        if quick:
            command.append("--quick")
        try:
            limit = LONG_TIMEOUTS.get(name, CHILD_TIMEOUT)
            done = subprocess.run(command, capture_output=True, timeout=limit)
        except subprocess.TimeoutExpired:
            why = f"took more than {limit:.0f} s"
            return [harness.not_measured(goal, name, "-", why)]
        if not out.exists():
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            why = f"the benchmark crashed: {' | '.join(tail)}"
            return [harness.not_measured(goal, name, "-", why)]
        return [Row(**row) for row in json.loads(out.read_text(encoding="utf-8"))]


def _child(name: str, quick: bool, out: Path) -> int:
    module = importlib.import_module(BENCHMARKS[name][0])
    rows: list[Row] = module.run(quick)
    out.write_text(json.dumps([vars(row) for row in rows]), encoding="utf-8")
    return 0


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _load() -> float:
    """The 1-minute load average: how many other things wanted the CPU."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


if __name__ == "__main__":
    sys.exit(main())
