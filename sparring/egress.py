"""The egress gate: nothing leaves the machine unasked.

The first time in a session that the context would go to a model that is not
on this machine, the writer is shown what would leave (which files, how many
characters and tokens, the estimated cost, and where it goes) and asked to
confirm. The answer holds for the rest of the session; every place that saw
the context is recorded in the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sparring.config import Config, Privacy
from sparring.errors import EgressRefused, SparringError, UsageError
from sparring.pricing import estimate_cost
from sparring.providers import (
    ModelRef,
    address_place,
    expected_location,
    host_of,
    provider_url,
    resolve,
)
from sparring.providers.base import Backend, ChatRequest, estimate_tokens
from sparring.sessions.model import Reply, Session


@dataclass(frozen=True)
class EgressRequest:
    """What would leave the machine, shown to the writer before it does."""

    destinations: tuple[str, ...]
    sources: tuple[str, ...]
    characters: int
    tokens: int
    cost: float | None

    def describe(self) -> list[str]:
        from sparring.figures import cost_text

        what = ", ".join(self.sources) or "typed text"
        return [
            f"to:    {', '.join(self.destinations)} (not on this machine)",
            f"what:  {what}: {self.characters:,} characters, about {self.tokens:,} tokens",
            f"cost:  about {cost_text(self.cost)} for the input"
            if self.cost is not None
            else "cost:  unknown (no price listed for this model)",
        ]


Confirm = Callable[[EgressRequest], Awaitable[bool]]


def unconfirmed(label: str) -> EgressRefused:
    """The refusal when there is no one to confirm that context may leave."""
    return EgressRefused(
        f"not sending the context to {label}: no one confirmed it",
        hint="pass --yes to allow it, or pick a local model",
    )


class EgressGate:
    """Asks once per session, before the first byte of context goes to the cloud."""

    def __init__(self, session: Session, confirm: Confirm | None, config: Config) -> None:
        self.session = session
        self.confirm = confirm
        self.config = config
        self.approved = bool(session.egress)
        self._lock = asyncio.Lock()

    async def admit(self, backend: Backend, request: ChatRequest, model: str) -> None:
        """Return when `backend` may receive `request`; raise EgressRefused otherwise."""
        if backend.location == "local":
            return
        async with self._lock:
            if not self.approved:
                if self.confirm is None:
                    raise unconfirmed(backend.label)
                asked = self._request(backend, request, model)
                if not await self.confirm(asked):
                    raise EgressRefused(
                        f"the context was not sent to {backend.label}",
                        hint="pick a local model, e.g. -m local",
                    )
                self.approved = True
            if backend.label not in self.session.egress:
                self.session.egress.append(backend.label)

    def _request(self, backend: Backend, request: ChatRequest, model: str) -> EgressRequest:
        characters = sum(len(message.content) for message in request.messages)
        tokens = sum(estimate_tokens(message.content) for message in request.messages)
        return EgressRequest(
            destinations=(backend.label,),
            sources=tuple(self.session.context.sources),
            characters=characters,
            tokens=tokens,
            cost=estimate_cost(backend.model, backend.location, tokens, 0, self.config),
        )


async def always(_request: EgressRequest) -> bool:
    """The confirmation of `--yes` and `privacy = "allow-cloud"`."""
    return True


def upfront_request(
    session: Session,
    destinations: list[str],
    messages_text: str,
    config: Config,
    models: list[str],
) -> EgressRequest:
    """What a run would send to `destinations`, known before any connection."""
    tokens = estimate_tokens(messages_text)
    costs = [estimate_cost(model, "cloud", tokens, 0, config) for model in models]
    known = [cost for cost in costs if cost is not None]
    return EgressRequest(
        destinations=tuple(destinations),
        sources=tuple(session.context.sources),
        characters=len(messages_text),
        tokens=tokens,
        cost=sum(known) if len(known) == len(costs) else None,
    )


@dataclass(frozen=True)
class Refused:
    """A model that cannot run at all, and why; shown where its answer would be."""

    model: str
    error: SparringError

    def as_reply(self) -> Reply:
        return Reply(
            model=self.model,
            status="error",
            error=self.error.one_line(),
            exit_code=self.error.exit_code,
        )


def check_model(name: str, config: Config, privacy: Privacy) -> ModelRef | Refused:
    """The model `name` stands for, or why it cannot run, known before any connection."""
    if not name.strip():
        return Refused(name, UsageError("no model named", hint="type a model name, e.g. local"))
    try:
        ref = resolve(name, config)
    except SparringError as error:
        return Refused(name, error)
    if privacy.local_only and expected_location(ref) != "local":
        return Refused(name, local_only_refusal(ref))
    return ref


def check_local_only(refs: list[ModelRef]) -> None:
    """Refuse, before any connection, every model that is not on this machine."""
    for ref in refs:
        if expected_location(ref) != "local":
            raise local_only_refusal(ref)


def local_only_refusal(ref: ModelRef) -> UsageError:
    """Why local-only refuses `ref`: where its bytes would go, and why that is not here."""
    if ref.provider == "local":
        return UsageError(f"'{ref.name}' is not on this machine; local-only refuses it")
    url = provider_url(ref)
    host = host_of(url)
    hint = "pick a local model, e.g. -m local, or drop --local-only"
    if address_place(url) == "local" and ref.declared is not None:
        where = f"at {host}, which the config says leads to the {ref.declared}"
    elif address_place(url) == "local":
        where = f"behind {host}, which may be a gateway to the cloud"
        hint = (
            f"if {host} serves a model on this machine, say so in the config: "
            f'[locations] {ref.provider} = "local"'
        )
    elif expected_location(ref) == "network":
        where = f"at {host}, on your network, not on this machine"
    else:
        where = f"at {host}, not on this machine"
        if ref.declared == "local":
            # The address decides: a declaration can make a place stricter, never looser.
            hint = f'location = "local" cannot make {host} this machine; only a loopback address is'
    return UsageError(
        f"'{ref.name}' ({ref.full_name}) runs {where}; local-only refuses it", hint=hint
    )
