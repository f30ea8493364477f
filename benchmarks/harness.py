"""What every benchmark shares: A/B runs, medians, result rows, the table and the JSON.

A figure is a ratio or a bound taken within one run of `benchmarks/run.py`:
the two sides of a comparison run alternately (A, B, A, B...) after a
warm-up of each, and the median of each side is kept, because these
machines are noisy and a fixed number of milliseconds means nothing from
one of them to the next.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
RESULTS = BENCHMARKS / "results"

#: Environment variables that would send a run to a real service or the user's files.
HERMETIC_UNSET = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
)

DRAFT = """Why our city needs more trees

Last summer the pavement on Main Street reached 52 degrees. A street lined with
mature trees was eight degrees cooler at noon, and the shops on it stayed open
through the heat wave. Trees are the cheapest air conditioner a city can buy:
they cost less than a bus shelter, they clean the air, and they make people
walk. The council should plant a thousand trees a year for the next ten years,
starting with the streets that have none.
"""

T = TypeVar("T")


@dataclass
class Row:
    """One line of the table: a figure, its goal, and whether the goal is met."""

    goal: int  # the goal's number in issue 7 (1-9)
    name: str  # what was measured
    figure: str  # the measured figure, formatted
    target: str  # the goal, e.g. "< 0.25 s"
    met: bool | None  # None: not measured
    value: float | None = None
    detail: str = ""  # how it was measured, or why it is missed / not measured


#: Samples per side for comparisons of whole processes, which take a second or more each.
PROCESS_RUNS = 5


def runs(quick: bool) -> int:
    """Samples per side after the warm-up: at least five, as the issue asks."""
    return 5 if quick else 7


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def alternate(
    first: Callable[[], T], second: Callable[[], T], count: int, warmup: int = 1
) -> tuple[list[T], list[T]]:
    """Run `first` and `second` alternately, `count` times each after `warmup` of each."""
    for _ in range(warmup):
        first()
        second()
    firsts: list[T] = []
    seconds: list[T] = []
    for _ in range(count):
        firsts.append(first())
        seconds.append(second())
    return firsts, seconds


def repeat(
    measure: Callable[[], T], count: int, warmup: int = 1, budget: float | None = None
) -> list[T]:
    """`count` samples after `warmup` runs; with a `budget` (seconds), stop early once it is
    spent and two samples are in, so that a figure far off its goal cannot hold up the run."""
    started = time.perf_counter()
    for _ in range(warmup):
        measure()
    samples: list[T] = []
    for _ in range(count):
        samples.append(measure())
        if budget is not None and len(samples) >= 2 and time.perf_counter() - started > budget:
            break
    return samples


def paired_difference(
    firsts: Sequence[dict[str, float]], seconds: Sequence[dict[str, float]], key: str
) -> float:
    """The median of A minus B over alternate pairs: steadier than a difference of medians
    when the machine drifts during the run."""
    return median([a[key] - b[key] for a, b in zip(firsts, seconds, strict=True)])


def pick(samples: Sequence[dict[str, float]], key: str) -> float:
    """The median of one figure over samples that are dicts of figures."""
    return median([sample[key] for sample in samples])


# --- rows -------------------------------------------------------------------


def at_most(
    goal: int, name: str, value: float, limit: float, unit: str, *, detail: str = ""
) -> Row:
    return Row(
        goal, name, _fmt(value, unit), f"≤ {_fmt(limit, unit)}", value <= limit, value, detail
    )


def below(goal: int, name: str, value: float, limit: float, unit: str, *, detail: str = "") -> Row:
    return Row(
        goal, name, _fmt(value, unit), f"< {_fmt(limit, unit)}", value < limit, value, detail
    )


def at_least(
    goal: int, name: str, value: float, limit: float, unit: str, *, detail: str = ""
) -> Row:
    return Row(
        goal, name, _fmt(value, unit), f"≥ {_fmt(limit, unit)}", value >= limit, value, detail
    )


def exact(goal: int, name: str, ok: bool, figure: str, target: str, *, detail: str = "") -> Row:
    return Row(goal, name, figure, target, ok, None, detail)


def not_measured(goal: int, name: str, target: str, why: str) -> Row:
    return Row(goal, name, "not measured", target, None, None, why)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if abs(value) < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "core":
        return f"{value:.2f} core"
    return f"{value:,.0f} {unit}".rstrip()


# --- the table and the JSON ---------------------------------------------------


def verdict(row: Row) -> str:
    return {True: "yes", False: "NO", None: "-"}[row.met]


def table(rows: Sequence[Row]) -> str:
    header = ("#", "figure", "measured", "goal", "met")
    body = [(str(r.goal), r.name, r.figure, r.target, verdict(r)) for r in rows]
    widths = [max(len(line[column]) for line in [header, *body]) for column in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for line in body:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def notes(rows: Sequence[Row]) -> str:
    """The details of every row that is missed or not measured."""
    lines = [f"- [{r.goal}] {r.name}: {r.detail}" for r in rows if r.met is not True and r.detail]
    return "\n".join(lines)


def write_json(rows: Sequence[Row], path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "rows": [asdict(row) for row in rows]}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- running the real command --------------------------------------------------


def sparring_command() -> list[str]:
    """The installed `sparring` script of this interpreter (no shell shim in between)."""
    script = Path(sys.executable).parent / "sparring"
    if script.is_file():
        return [str(script)]
    found = shutil.which("sparring")
    return [found] if found else [sys.executable, "-m", "sparring"]


@contextmanager
def temp_home() -> Iterator[Path]:
    """A SPARRING_HOME of its own, so nothing touches the user's config or sessions."""
    with tempfile.TemporaryDirectory(prefix="sparring-bench-") as folder:
        yield Path(folder)


def command_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in HERMETIC_UNSET}
    env["SPARRING_HOME"] = str(home)
    env.update(extra)
    return env


@dataclass
class Timed:
    """One run of a command, timed from just before it was started."""

    first_output: float | None  # seconds to the first byte on stdout
    total: float  # seconds to its exit
    returncode: int
    stdout: bytes
    stderr: bytes
    max_rss_kb: int = 0
    cpu: float = 0.0  # user + system seconds of the process and its children
    extra: dict[str, float] = field(default_factory=dict)


def timed_run(
    argv: Sequence[str],
    env: dict[str, str],
    *,
    stdin: bytes | None = None,
    timeout: float = 120.0,
) -> Timed:
    """Run `argv`, noting when stdout first said something and when it exited.

    The exit is waited for with wait4, which gives this child's own peak RSS
    (RUSAGE_CHILDREN would give the largest of every child so far).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    if stdin is not None and process.stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    assert process.stdout is not None and process.stderr is not None
    out: list[bytes] = []
    err: list[bytes] = []
    first: float | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, out)
        selector.register(process.stderr, selectors.EVENT_READ, err)
        deadline = started + timeout
        while selector.get_map():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                process.kill()
                raise TimeoutError(f"{argv[0]} ran for more than {timeout:.0f} s")
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                if key.data is out and first is None:
                    first = time.perf_counter() - started
                key.data.append(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    total = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Timed(
        first_output=first,
        total=total,
        returncode=process.returncode,
        stdout=b"".join(out),
        stderr=b"".join(err),
        max_rss_kb=usage.ru_maxrss,
        cpu=usage.ru_utime + usage.ru_stime,
    )


def checked(timed: Timed, what: str, ok: tuple[int, ...] = (0,)) -> Timed:
    """`timed`, if it ended with one of the `ok` exit codes; else the error, with its tail."""
    if timed.returncode not in ok:
        tail = timed.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{what} exited {timed.returncode}: {' | '.join(tail)}")
    return timed


def fakeservers() -> Any:
    """tests/fakes: local servers speaking Ollama's, OpenAI's, Anthropic's protocols."""
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import fakes as module

    return module


def draft_file(home: Path) -> Path:
    path = home / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path
