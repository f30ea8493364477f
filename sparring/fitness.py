"""What a model can do, said before it is asked: the languages it reads, the tasks it fails.

A writer should learn from sparring, not from a page of nonsense, that the
embedded 135M model does not read Swedish and cannot find the weak spots in
an argument. What is known comes from a small table of the models sparring
names itself (measured: ../shared/small-models.md), by the model's name, and
from the config, which overrides it:

    [models."local"]
    languages = ["en", "sv"]      # the languages this model handles

A model sparring knows nothing about is assumed to handle any language and
task: no note is better than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sparring.config import Config
from sparring.language import name as language_name
from sparring.providers import ModelRef

BIGGER = "a larger model (e.g. -m ollama:qwen3:4b, or sparring pull hf:Qwen/Qwen3-4B-GGUF)"


@dataclass(frozen=True)
class Fitness:
    """What a model is known to handle: None is "any"."""

    languages: tuple[str, ...] | None = None
    #: Task -> what to expect of this model on it.
    weak_tasks: dict[str, str] = field(default_factory=dict)
    #: Said under every list answer of this model.
    caveat: str = ""
    #: A bigger model to suggest.
    instead: str = BIGGER


#: SmolLM2, read by hand: 2% of English items usable, 0 of Swedish; 1 usable
#: counter-argument of 570 (../shared/small-models.md).
_SMOLLM2 = Fitness(
    languages=("en",),
    weak_tasks={
        "counter": "it can't judge an argument: it tends to restate your text or invent claims "
        "you never made",
    },
    caveat="a tiny offline model: expect repeats of your own words and invented details; "
    "check every item against your text",
)
#: Model names (as run, lower case) -> what is known of them.
KNOWN: tuple[tuple[re.Pattern[str], Fitness], ...] = (
    (re.compile(r"smollm2?[-_:]?(135m|360m)"), _SMOLLM2),
)


def fitness(ref: ModelRef, config: Config) -> Fitness:
    """What `ref` is known to handle: the config's word first, then the table."""
    known = _known(ref)
    settings = config.model_settings(ref.name)
    if settings.languages is not None:
        return Fitness(tuple(settings.languages), known.weak_tasks, known.caveat, known.instead)
    return known


def _known(ref: ModelRef) -> Fitness:
    if ref.provider == "local" and not ref.model:
        return _SMOLLM2  # the embedded model, when nothing else is named
    key = ref.model.lower().rsplit("/", 1)[-1]
    for pattern, known in KNOWN:
        if pattern.search(key):
            return known
    return Fitness()


def notes(ref: ModelRef, task: str, draft_language: str | None, config: Config) -> list[str]:
    """What to tell the writer before `ref` is asked to do `task` on a draft in that language."""
    known = fitness(ref, config)
    said: list[str] = []
    if draft_language and known.languages is not None and draft_language not in known.languages:
        handled = ", ".join(language_name(code) for code in known.languages)
        said.append(
            f"your text looks {language_name(draft_language)}; {ref.name} handles {handled} "
            f"only and will answer in {language_name(known.languages[0])} about something "
            f"else, or in made-up {language_name(draft_language)}; use {known.instead}"
        )
    weak = known.weak_tasks.get(task)
    if weak:
        said.append(f"{task} on {ref.name}: {weak}; try {known.instead}")
    return said


def turn_notes(models: list[str], task: str, context: str, config: Config) -> list[str]:
    """`notes` for each model of a turn, once each, before it runs."""
    from sparring.errors import SparringError
    from sparring.language import detect
    from sparring.providers import resolve

    draft_language = detect(context)
    said: list[str] = []
    for model in dict.fromkeys(models):
        try:
            ref = resolve(model, config)
        except SparringError:
            continue  # refused where it runs, with its own message
        said.extend(notes(ref, task, draft_language, config))
    return said


def caveat(model: str, config: Config) -> str:
    """The line said under a list answer of `model`, if it has one."""
    from sparring.errors import SparringError
    from sparring.providers import resolve

    try:
        known = fitness(resolve(model, config), config)
    except SparringError:
        return ""
    return f"{model} is {known.caveat}" if known.caveat else ""
