"""Loading a model before its first run (a warm-up), on this machine only.

A model on this machine takes seconds to load, and the first answer waited for
it; loaded while the writer still reads the draft, it is ready at F5. The
embedded model loads in a thread (`LocalBackend.load`); an Ollama model on
this machine is sent a load-only request, an empty chat kept alive for a
session (`OllamaBackend.load`; docs/api.md "Load a model").

Nothing is sent to a model that is not known to be on this machine: the
cloud, the writer's network, a gateway whose place is unknown (the same
fail-closed `expected_location` that --local-only goes by, so local-only
refuses nothing that is warmed), nor to an OpenAI-compatible server, which
has no load-only request. An Ollama model found to run in the cloud (`-cloud`)
only once its server is asked is sent nothing either.
"""

from __future__ import annotations

import asyncio
import contextlib

from sparring.config import Config
from sparring.engine import BackendFactory, open_one_at_a_time
from sparring.errors import SparringError
from sparring.providers import ModelRef, expected_location, open_backend, resolve

#: The providers that can load a model ahead of a request.
LOADS_AHEAD = ("local", "ollama")


def warmable(name: str, config: Config) -> ModelRef | None:
    """The model `name` stands for, if it is on this machine and can be loaded ahead;
    else None (a name that does not resolve is said elsewhere, where it is shown)."""
    try:
        ref = resolve(name, config)
    except SparringError:
        return None
    if ref.provider not in LOADS_AHEAD or expected_location(ref) != "local":
        return None
    return ref


async def warm(
    name: str,
    config: Config,
    *,
    characters: int = 0,
    backend_factory: BackendFactory = open_backend,
) -> float | None:
    """Load `name`'s model now, sized for a draft of `characters`: the seconds the load
    took (about 0 when it was loaded already), or None when nothing was loaded (see the
    module's docstring). Raises a `SparringError` when the model cannot be loaded."""
    ref = warmable(name, config)
    if ref is None:
        return None
    # Opening imports the backend's SDK: not on the event loop, and not beside a run's.
    backend = await asyncio.to_thread(open_one_at_a_time, backend_factory, ref, config)
    try:
        return await backend.load(characters, config.max_tokens)
    finally:
        with contextlib.suppress(Exception):
            await backend.aclose()
