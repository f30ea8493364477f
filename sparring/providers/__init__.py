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

from sparring.config import DEFAULT_LOCATIONS, LOCATIONS, PROVIDERS, Config, Endpoint, Location
from sparring.errors import UsageError, did_you_mean
from sparring.providers.base import Backend

OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com"


@dataclass(frozen=True)
class ModelRef:
    name: str  # as the writer named it: an alias or a full name
    provider: str  # local, ollama, openai, anthropic, or an endpoint's name
    model: str  # the model within its provider ("" for the default embedded model)
    endpoint: Endpoint | None = None
    #: Where the config says the provider's URL leads ([locations], or the endpoint's
    #: `location`); None: the provider's default (DEFAULT_LOCATIONS).
    declared: Location | None = None

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
        endpoint = config.endpoints.get(provider)
        declared = endpoint.location if endpoint is not None else config.locations.get(provider)
        return ModelRef(name, provider, model, endpoint, declared)
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
    location = expected_location(ref)
    if ref.provider == "ollama":
        from sparring.providers.ollama import OllamaBackend

        return OllamaBackend(ref.model, stall_timeout=config.stall_timeout, location=location)
    if ref.provider == "anthropic":
        from sparring.providers.anthropic import AnthropicBackend

        return AnthropicBackend(ref.model, stall_timeout=config.stall_timeout, location=location)
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

    The address of the URL decides how private the place can be (`address_place`);
    what the config declares can only make it stricter: an endpoint declared
    local whose URL is a public host is the cloud. An Ollama model on this
    machine may still be a cloud model (`-cloud`): the ollama backend learns
    that from /api/show before it sends anything.
    """
    if ref.provider == "local":
        return "local"
    declared = ref.declared or DEFAULT_LOCATIONS.get(ref.provider, "cloud")
    return stricter(declared, address_place(provider_url(ref)))


def provider_url(ref: ModelRef) -> str:
    """The URL the model's requests go to (the one its backend is opened with)."""
    if ref.endpoint is not None:
        return ref.endpoint.base_url
    if ref.provider == "ollama":
        return ollama_host()
    if ref.provider == "anthropic":
        return os.environ.get("ANTHROPIC_BASE_URL", "").strip() or ANTHROPIC_URL
    return os.environ.get("OPENAI_BASE_URL", "").strip() or OPENAI_URL


def stricter(first: Location, second: Location) -> Location:
    """The less private of two places."""
    return max(first, second, key=LOCATIONS.index)


#: Addresses of the writer's own network: RFC 1918, link-local, IPv6 unique-local, and the
#: shared range that VPNs such as Tailscale hand out. Only ever declared, never assumed.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
        "fe80::/10",
    )
)


def address_place(url: str) -> Location:
    """The most private place a URL can lead to, by its host alone.

    A loopback address (or `localhost`) is this machine; a private address, at
    most the writer's network; anything else is the cloud, a host name included:
    where a name leads cannot be known without asking DNS, which under
    --local-only is itself a connection that must not be made.
    """
    host = _host(url)
    if host == "localhost":
        return "local"
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return "cloud"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        return "local"  # 0.0.0.0 as a destination is this machine (OLLAMA_HOST=0.0.0.0)
    if any(address in network for network in _PRIVATE_NETWORKS):
        return "network"
    return "cloud"


def host_of(url: str) -> str:
    """The host a URL names, as the writer would recognise it."""
    return _host(url) or url


def _host(url: str) -> str:
    try:
        return urlparse(url if "://" in url else f"http://{url}").hostname or ""
    except ValueError:
        return ""


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
    return address_place(url) == "local"
