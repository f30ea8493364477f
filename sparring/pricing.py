"""Estimated cost of a reply, from the shipped price list and the user's overrides."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from sparring.config import OWN_HARDWARE, Config, Price

_PRICE_LIST = Path(__file__).parent / "data" / "pricing.toml"


#: What a vendor charges for prompt-cache reads and writes, as a share of the input price,
#: where the price list gives no rate of its own: Anthropic reads at 10% and 5-minute writes
#: at 125%; OpenAI caches on its own (no writes billed) and reads at 10% for the gpt-5
#: family and o-series, 25% for gpt-4.1, 50% for gpt-4o (the vendors' pricing pages).
CACHE_SHARES: dict[str, tuple[tuple[str, float, float], ...]] = {
    "anthropic": (("claude", 0.1, 1.25),),
    "openai": (
        ("gpt-5", 0.1, 1.0),
        ("o", 0.1, 1.0),
        ("gpt-4.1", 0.25, 1.0),
        ("gpt-4o", 0.5, 1.0),
    ),
}


@cache
def shipped_prices() -> dict[str, Price]:
    data = tomllib.loads(_PRICE_LIST.read_text(encoding="utf-8"))
    prices = {}
    for vendor, entries in data.items():
        for model, entry in entries.items():
            read, write = _cache_shares(vendor, model)
            base = entry["input_per_million"]
            prices[model] = Price(
                base,
                entry["output_per_million"],
                entry.get("cached_input_per_million", base * read),
                entry.get("cache_write_per_million", base * write),
            )
    return prices


def _cache_shares(vendor: str, model: str) -> tuple[float, float]:
    for prefix, read, write in CACHE_SHARES.get(vendor, ()):
        if model.startswith(prefix):
            return read, write
    return 1.0, 1.0


def vendor_models(vendor: str) -> list[str]:
    """The models the shipped price list names for `vendor` (anthropic, openai), in its order."""
    data = tomllib.loads(_PRICE_LIST.read_text(encoding="utf-8"))
    return list(data.get(vendor, {}))


def price_for(model: str, config: Config) -> Price | None:
    """The price of `model` (a bare model name), by exact name or longest prefix."""
    prices = {**shipped_prices(), **config.pricing}
    if model in prices:
        return prices[model]
    prefixes = [name for name in prices if model.startswith(name)]
    return prices[max(prefixes, key=len)] if prefixes else None


def estimate_cost(
    model: str,
    location: str,
    input_tokens: int | None,
    output_tokens: int | None,
    config: Config,
    *,
    cached_tokens: int | None = None,
    cache_write_tokens: int | None = None,
) -> float | None:
    """Dollars for one reply; 0 on this machine or the writer's own network; None when the
    price is unknown.

    `input_tokens` counts the whole prompt; of it, `cached_tokens` were read from the
    service's prompt cache and `cache_write_tokens` written to it, each at its own rate.
    """
    if location in OWN_HARDWARE:
        return 0.0
    price = price_for(model, config)
    if price is None:
        return None
    cached = cached_tokens or 0
    written = cache_write_tokens or 0
    fresh = max((input_tokens or 0) - cached - written, 0)
    read_rate = price.cached_input_per_million
    write_rate = price.cache_write_per_million
    return (
        fresh * price.input_per_million
        + cached * (price.input_per_million if read_rate is None else read_rate)
        + written * (price.input_per_million if write_rate is None else write_rate)
        + (output_tokens or 0) * price.output_per_million
    ) / 1_000_000
