"""Estimated cost of a reply, from the shipped price list and the user's overrides."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from sparring.config import Config, Price

_PRICE_LIST = Path(__file__).parent / "data" / "pricing.toml"


@cache
def shipped_prices() -> dict[str, Price]:
    data = tomllib.loads(_PRICE_LIST.read_text(encoding="utf-8"))
    return {
        model: Price(entry["input_per_million"], entry["output_per_million"])
        for vendor in data.values()
        for model, entry in vendor.items()
    }


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
    model: str, location: str, input_tokens: int | None, output_tokens: int | None, config: Config
) -> float | None:
    """Dollars for one reply; 0 on this machine; None when the price is unknown."""
    if location == "local":
        return 0.0
    price = price_for(model, config)
    if price is None:
        return None
    return (
        (input_tokens or 0) * price.input_per_million
        + (output_tokens or 0) * price.output_per_million
    ) / 1_000_000
