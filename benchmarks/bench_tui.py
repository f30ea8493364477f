"""Goal 7: the TUI keeps up with two streaming columns, cheaply.

The real app runs headless (`SparringApp(..., backend_factory=...)`, the
task started with F5) on two columns, each fed by a scripted backend:

- at 100 deltas a second each: CPU time of the process over wall time
  while they stream (at most 0.3 of a core), frames drawn a second (at
  least 10), and the longest event-loop stall from F5 until the turn has
  settled (under 100 ms);
- as fast as possible: deltas a second each column absorbs, from the first
  delta sent until every column shows the whole answer and a
  frame has been drawn after that (at least 2,000), and the cost per delta
  of an answer four times as long over that of the short one (at most 1.3:
  a cost that grew with the length would make it about 4).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import harness
import scripted
import tui_probe
from harness import Row

from sparring.providers.scripted import ScriptedFactory

SIZE = (160, 48)


async def stream_in_app(scripts: dict[str, scripted.Script]) -> dict[str, float]:
    from sparring.tui.app import SparringApp
    from sparring.tui.widgets.reply import ReplyView

    factory = ScriptedFactory(scripts)
    app = SparringApp(
        config=scripted.config(),
        context=harness.DRAFT,
        task="draft",
        backend_factory=factory,
        prompts={"draft": scripted.text_prompt()},
    )
    stalls = tui_probe.Stalls()
    with tui_probe.counting_frames() as frames:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            stalls.start()
            pressed = time.perf_counter()
            app.simulate_key("f5")

            def streaming() -> list[Any]:
                # F5 also opens each column's backend to ask its window (long drafts), and
                # the warm-up may: only the backends that were asked count.
                return [backend for backend in factory.opened if backend.first_at]

            await tui_probe.until(lambda: len(streaming()) == len(scripts), 30, "the first deltas")
            cpu_start = time.process_time()
            await tui_probe.until(
                lambda: all(b.last_at for b in streaming()), 120, "the last deltas"
            )
            cpu = time.process_time() - cpu_start
            first = min(b.first_at for b in streaming())
            last = max(b.last_at for b in streaming() if b.last_at)
            # Trailing blank lines may be dropped on the way; the words may not.
            wanted = ["".join(b.sent).rstrip() for b in streaming()]

            def shown() -> bool:
                held = {view.shown.rstrip() for view in app.screen.query(ReplyView)}
                return all(text in held for text in wanted)

            await tui_probe.until(shown, 120, "every column to show its whole answer")
            shown_at = time.perf_counter()
            await tui_probe.until(
                lambda: frames.times and frames.times[-1] > shown_at,
                10,
                "a frame after the whole answer",
            )
            absorbed = frames.times[-1]
            await pilot.pause()
            await asyncio.sleep(0.2)
            worst = await stalls.stop()
    streaming = last - first
    return {
        "cpu": cpu / streaming,
        "fps": frames.count(first, last) / streaming,
        "stall": worst,
        "absorbed": absorbed - first,
        # Where the longest stall fell: 0 at F5, 1 at the first delta, 2 at the last.
        "stall_phase": _phase(stalls.worst_at, pressed, first, last),
        "deltas": float(len(scripts["left"].deltas)),
    }


def _phase(moment: float, pressed: float, first: float, last: float) -> float:
    if moment < first:
        return (moment - pressed) / max(first - pressed, 1e-9)
    if moment <= last:
        return 1 + (moment - first) / max(last - first, 1e-9)
    return 2 + (moment - last)


def measure(scripts: dict[str, scripted.Script]) -> dict[str, float]:
    return asyncio.run(stream_in_app(scripts))


def paced_rows(quick: bool, count: int) -> list[Row]:
    seconds = 2
    paced = scripted.paced(100 * seconds, every=0.01)
    samples = harness.repeat(lambda: measure({"left": paced, "right": paced}), count)
    cpu, fps = harness.pick(samples, "cpu"), harness.pick(samples, "fps")
    stall = harness.pick(samples, "stall")
    how = f"two columns at 100 deltas/s for {seconds} s, median of {count}"
    return [
        harness.at_most(7, "CPU while streaming 2×100 deltas/s", cpu, 0.3, "core", detail=how),
        harness.at_least(7, "frames a second while streaming", fps, 10, "fps", detail=how),
        harness.below(
            7,
            "longest event-loop stall",
            stall * 1000,
            100,
            "ms",
            detail=how + ", from F5 until the turn settled",
        ),
    ]


def fast_rows(quick: bool, count: int) -> list[Row]:
    # Long enough that the last frame's wait (up to a frame interval) does not dominate.
    short = 300 if quick else 500
    runs: dict[int, list[dict[str, float]]] = {}

    def feed(deltas: int) -> Any:
        script = scripted.paced(deltas)
        return lambda: measure({"left": script, "right": script})

    runs[short], runs[short * 4] = harness.alternate(feed(short), feed(short * 4), count)
    long_time = harness.pick(runs[short * 4], "absorbed")
    short_time = harness.pick(runs[short], "absorbed")
    rate = short * 4 / long_time
    growth = (long_time / (short * 4)) / (short_time / short)
    return [
        harness.at_least(
            7,
            "deltas a second each column absorbs",
            rate,
            2000,
            "/s",
            detail=f"{short * 4} deltas per column as fast as sent, median of {count}",
        ),
        harness.at_most(
            7,
            f"cost per delta, {short * 4} vs {short} deltas",
            growth,
            1.3,
            "x",
            detail=f"{long_time:.2f} s for {short * 4}, {short_time:.2f} s for {short}",
        ),
    ]


def run(quick: bool) -> list[Row]:
    count = harness.runs(quick)
    rows: list[Row] = []
    for part in (paced_rows, fast_rows):
        try:
            rows.extend(part(quick, count))
        except Exception as error:  # the TUI is being built: say why, do not fake it
            rows.append(harness.not_measured(7, part.__name__.replace("_", " "), "-", repr(error)))
    return rows
