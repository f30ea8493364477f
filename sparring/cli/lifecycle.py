"""The pipe-mode process from start to exit: what it skips because it is short-lived.

Starting, a pipe-mode run imports an SDK and its models (pydantic, httpx):
hundreds of thousands of objects that live until the exit, which the cyclic
garbage collector would walk again and again for nothing (a full collection
costs ~20 ms). It is held off until the first text arrives, and what exists
then is frozen out of later collections. Exiting, the interpreter would tear
all of that down one object at a time (~80 ms); once every file is written
and synced, the process ends at once instead.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys


def hold_gc() -> None:
    """No cyclic collections while the run starts up (see `release_gc`)."""
    gc.disable()


def release_gc() -> None:
    """Collect again, leaving out everything that start-up made (it lives to the exit)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def exit_now(code: int) -> None:
    """Flush stdout and stderr and end the process without the interpreter's teardown.

    Only for the end of a run whose files are all written and fsynced (store.save
    and the emergency copy sync before they return): nothing else is pending.
    """
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (`| head -1`) takes nothing more: not a failure.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
