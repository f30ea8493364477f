"""Model names -> backends.

A model is named `PROVIDER:MODEL` (`ollama:qwen3:4b`, `openai:gpt-5`,
`anthropic:claude-opus-4-1`, `ENDPOINT:MODEL` for a configured endpoint),
`local` or `local:/path/to/model.gguf` for the embedded model, or an alias
from the config. The backend modules, and so their SDKs, are imported only
when a model of theirs is opened.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlparse

from sparring.config import PROVIDERS, Config, Endpoint
from sparring.errors import UsageError, did_you_mean
from sparring.providers.base import Backend, Location


@dataclass(frozen=True)
class ModelRef:
    name: str  # as the writer named it: an alias or a full name
    provider: str  # local, ollama, openai, anthropic, or an endpoint's name
    model: str  # the model within its provider ("" for the default embedded model)
    endpoint: Endpoint | None = None

    @property
    def full_name(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider


def resolve(name: str, config: Config) -> ModelRef:
    """The model a name stands for, following aliases; unknown names get a suggestion."""
    spec = name.strip()
    seen: list[str] = []
    while spec in config.aliases:
        if spec in seen:
            raise UsageError(f"alias '{name}' refers to itself", hint="fix [aliases] in config")
        seen.append(spec)
        spec = config.aliases[spec]
    provider, _, model = spec.partition(":")
    if provider in PROVIDERS or provider in config.endpoints:
        if provider != "local" and not model:
            raise UsageError(
                f"'{spec}' names no model", hint=f"write {provider}:MODEL, e.g. ollama:qwen3:4b"
            )
        return ModelRef(name, provider, model, config.endpoints.get(provider))
    choices = [*config.aliases, *PROVIDERS, *config.endpoints]
    if model:
        hint = did_you_mean(provider, [*PROVIDERS, *config.endpoints])
        hint = hint or f"providers: {', '.join([*PROVIDERS, *config.endpoints])}"
        raise UsageError(f"unknown provider '{provider}' in model '{name}'", hint=hint)
    raise UsageError(
        f"unknown model '{name}'",
        hint=did_you_mean(name, choices) or "see `sparring models`, or write PROVIDER:MODEL",
    )


def open_backend(ref: ModelRef, config: Config) -> Backend:
    """A backend for `ref`; its SDK is imported here, not before."""
    if ref.provider == "local":
        from sparring.providers.local import LocalBackend

        return LocalBackend(ref.model, config.local)
    if ref.provider == "ollama":
        from sparring.providers.ollama import OllamaBackend

        return OllamaBackend(ref.model, stall_timeout=config.stall_timeout)
    if ref.provider == "anthropic":
        from sparring.providers.anthropic import AnthropicBackend

        return AnthropicBackend(ref.model, stall_timeout=config.stall_timeout)
    from sparring.providers.openai import OpenAIBackend

    return OpenAIBackend.for_ref(ref, stall_timeout=config.stall_timeout)


def import_shared_modules(refs: list[ModelRef]) -> None:
    """Import now what one model's SDK would import while another model streams.

    The openai and anthropic SDKs look up the `httpx` module in sys.modules as
    they send a request; backends are opened one at a time, so Ollama's SDK
    (which imports `httpx`) may be importing it on a worker thread just then,
    and they would find it half-initialised.
    """
    if any(ref.provider == "ollama" for ref in refs):
        import httpx  # noqa: F401


def expected_location(ref: ModelRef) -> Location:
    """Where the context would go, known before any connection is made.

    An Ollama model on this machine may still be a cloud model (`-cloud`): the
    ollama backend learns that from /api/show before it sends anything.
    """
    if ref.provider == "local":
        return "local"
    if ref.endpoint is not None:
        return ref.endpoint.location
    if ref.provider == "ollama":
        return "local" if is_loopback_url(ollama_host()) else "cloud"
    if ref.provider == "openai":
        base_url = os.environ.get("OPENAI_BASE_URL")
        return "local" if base_url and is_loopback_url(base_url) else "cloud"
    if ref.provider == "anthropic":
        base_url = os.environ.get("ANTHROPIC_BASE_URL")
        return "local" if base_url and is_loopback_url(base_url) else "cloud"
    return "cloud"


def ollama_host() -> str:
    """OLLAMA_HOST as the ollama client reads it, as a URL."""
    host = os.environ.get("OLLAMA_HOST", "").strip() or "127.0.0.1:11434"
    if "://" not in host:
        host = f"http://{host}"
    parsed = urlparse(host)
    if parsed.port is None and parsed.hostname:
        host = f"{parsed.scheme}://{parsed.hostname}:11434{parsed.path}"
    return host


def is_loopback_url(url: str) -> bool:
    host = urlparse(url if "://" in url else f"http://{url}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
