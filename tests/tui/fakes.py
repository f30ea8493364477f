"""The scripted backends that drive the app without any model or network.

Each model name the app may open maps to a `Script` (see
`sparring.providers.scripted`): the deltas to send, whether to stop and wait
half-way, whether to fail. Here the figures a reply reports (time to first
token, total time, tokens) are fixed by default, so a screen showing them is
the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.config import Config, Endpoint, Price
from sparring.providers import scripted
from sparring.providers.scripted import ScriptedFactory

HEADLINES_SMALL = (
    "1. Trees cool the city\n"
    "2. Trees cool the city!\n"
    "3. Trees cool our city\n"
    "4. Shade is a public good\n"
    "5. Plant more trees now\n"
)
HEADLINES_FLAGSHIP = (
    "1. Shade is a public good\n"
    "2. The cheapest air conditioner is a tree\n"
    "3. Why every street needs a canopy\n"
)


def config(privacy: str = "allow-cloud") -> Config:
    """Two columns: `small` runs on this machine, `flagship` in a (fake) cloud.

    Sending to the cloud is allowed unless a test asks for the question.
    """
    return Config(
        privacy=privacy,  # type: ignore[arg-type]
        default_model="small",
        compare=("small", "flagship"),
        aliases={"small": "local", "flagship": "fakecloud:big-model"},
        endpoints={
            "fakecloud": Endpoint(name="fakecloud", base_url="http://127.0.0.1:9", location="cloud")
        },
        pricing={"big-model": Price(input_per_million=3.0, output_per_million=15.0)},
    )


def chunks(text: str, size: int = 7) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


@dataclass(frozen=True)
class Script(scripted.Script):
    """What one model says, and how; its figures are fixed, so a screen showing them is stable."""

    ttft: float | None = 0.25
    total_time: float | None = 1.25
    input_tokens: int | None = 120
    output_tokens: int | None = 41


class FakeBackends(ScriptedFactory):
    """A backend_factory for the app: `ScriptedFactory`, its backends labelled `fake:MODEL`."""

    provider = "fake"
