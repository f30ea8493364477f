"""The ledger: money spent on cloud answers, and what staying local saved.

Each reply's cost was estimated when it came (pricing.py). A local answer
cost nothing; what it saved is its own tokens at the flagship's price. The
flagship is `--flagship MODEL` if given, else the config alias `flagship`,
else the cloud model the local answer was compared with.

The writer's money is only saved where the small model held up, so the
savings are split: proven, where the local answer won or tied a blind vote
against another model's answer to the same turn; unproven, the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sparring.config import OWN_HARDWARE, Config, Price
from sparring.sessions.catalog import ReplyFacts
from sparring.sessions.model import ANSWERED


@dataclass
class Ledger:
    cloud_answers: int = 0
    cloud_spent: float = 0.0
    cloud_unpriced: int = 0
    local_answers: int = 0
    # The local answers' own tokens at the flagship's price: what staying local saved.
    local_on_flagship: float = 0.0
    # ...of which, answers that won or tied a blind vote: savings proven by the writer.
    proven_saved: float = 0.0
    proven_answers: int = 0
    local_priced: int = 0
    local_unpriced: int = 0
    # Flagship name -> how many local answers were priced at it.
    flagships: dict[str, int] = field(default_factory=dict)

    @property
    def unproven_saved(self) -> float:
        return self.local_on_flagship - self.proven_saved

    def as_dict(self) -> dict[str, Any]:
        return {
            "cloud_answers": self.cloud_answers,
            "cloud_spent": self.cloud_spent,
            "cloud_unpriced": self.cloud_unpriced,
            "local_answers": self.local_answers,
            "local_on_flagship": self.local_on_flagship,
            "saved": self.local_on_flagship,
            "proven_saved": self.proven_saved,
            "proven_answers": self.proven_answers,
            "unproven_saved": self.unproven_saved,
            "local_priced": self.local_priced,
            "local_unpriced": self.local_unpriced,
            "flagships": dict(self.flagships),
        }


@dataclass(frozen=True)
class Flagship:
    """What a local answer is priced at: a model's name and its price, if known."""

    name: str
    price: Price | None


def count(
    ledger: Ledger,
    reply: ReplyFacts,
    turn_replies: list[ReplyFacts],
    config: Config,
    flagship: Flagship | None,
    proven: bool = False,
) -> None:
    """Add one reply, given the other replies to its turn, to the ledger."""
    if reply.location not in OWN_HARDWARE:
        if reply.cost is not None:
            ledger.cloud_spent += reply.cost
        if reply.status in ANSWERED:
            ledger.cloud_answers += 1
            ledger.cloud_unpriced += reply.cost is None
        return
    if reply.status not in ANSWERED:
        return
    ledger.local_answers += 1
    priced_at = flagship or _compared_cloud_model(turn_replies, config)
    if priced_at is None or priced_at.price is None:
        ledger.local_unpriced += 1
        return
    price = priced_at.price
    saved = (
        (reply.input_tokens or 0) * price.input_per_million
        + (reply.output_tokens or 0) * price.output_per_million
    ) / 1_000_000
    ledger.local_on_flagship += saved
    if proven:
        ledger.proven_saved += saved
        ledger.proven_answers += 1
    ledger.local_priced += 1
    ledger.flagships[priced_at.name] = ledger.flagships.get(priced_at.name, 0) + 1


def _compared_cloud_model(turn_replies: list[ReplyFacts], config: Config) -> Flagship | None:
    from sparring.pricing import price_for

    for other in turn_replies:
        if other.location == "cloud":
            name = other.backend or other.model
            return Flagship(name, price_for(_bare_model(other, config), config))
    return None


def _bare_model(reply: ReplyFacts, config: Config) -> str:
    """The model's name within its provider, as the price list knows it."""
    if reply.backend:
        return reply.backend.partition(":")[2]
    from sparring.errors import SparringError
    from sparring.providers import resolve

    try:
        return resolve(reply.model, config).model
    except SparringError:
        return reply.model.partition(":")[2] or reply.model


def fixed_flagship(config: Config, name: str | None) -> Flagship | None:
    """The flagship every local answer is priced at: `--flagship`, else the alias `flagship`.

    None when neither is set: each local answer is then priced at the cloud
    model it was compared with.
    """
    from sparring.pricing import price_for
    from sparring.providers import resolve

    name = name or config.aliases.get("flagship")
    if not name:
        return None
    ref = resolve(name, config)
    return Flagship(ref.full_name, price_for(ref.model, config))
