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

from sparring.config import Config
from sparring.errors import UsageError
from sparring.pricing import estimate_cost
from sparring.providers.base import Backend, ChatRequest, estimate_tokens
from sparring.session import Session


@dataclass(frozen=True)
class EgressRequest:
    """What would leave the machine, shown to the writer before it does."""

    destinations: tuple[str, ...]
    sources: tuple[str, ...]
    characters: int
    tokens: int
    cost: float | None

    def describe(self) -> list[str]:
        from sparring.render import cost_text

        what = ", ".join(self.sources) or "typed text"
        return [
            f"to:    {', '.join(self.destinations)} (not on this machine)",
            f"what:  {what}: {self.characters:,} characters, about {self.tokens:,} tokens",
            f"cost:  about {cost_text(self.cost)} for the input"
            if self.cost is not None
            else "cost:  unknown (no price listed for this model)",
        ]


Confirm = Callable[[EgressRequest], Awaitable[bool]]


class EgressRefused(UsageError):
    """The context was not sent: the writer said no, or could not be asked."""


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
        if backend.location != "cloud":
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
            cost=estimate_cost(backend.model, "cloud", tokens, 0, self.config),
        )


async def always(_request: EgressRequest) -> bool:
    """The confirmation of `--yes`."""
    return True


def ask_on_terminal(request: EgressRequest) -> bool | None:
    """Ask on the terminal (/dev/tty, so a piped stdin does not matter); None if there is none."""
    try:
        # Unbuffered bytes: a text wrapper opened "r+" on a tty fails (it is not seekable).
        terminal = open("/dev/tty", "rb+", buffering=0)  # noqa: SIM115
    except OSError:
        return None
    lines = ["sparring: the context is about to leave this machine"]
    lines += [f"  {line}" for line in request.describe()]
    with terminal:
        terminal.write(("\n".join(lines) + "\nSend it? [y/N] ").encode())
        answer = terminal.readline().decode(errors="replace")
    return answer.strip().lower() in ("y", "yes")


async def terminal_confirm(request: EgressRequest) -> bool:
    answer = await asyncio.to_thread(ask_on_terminal, request)
    if answer is None:
        raise EgressRefused(
            f"not sending the context to {', '.join(request.destinations)} without confirmation, "
            "and there is no terminal to ask on",
            hint="pass --yes to allow it, or pick a local model",
        )
    return answer


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
