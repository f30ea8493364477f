"""Prompt files: TOML in prompts/ (shipped) and in the user's prompts dir.

A prompt file looks like this:

    description = "Ten headline suggestions"
    output = "list"            # "list" replies are parsed into items
    count = 10                 # the default for {count}
    system = "You are a sharp editor..."
    template = "Here is my text:\n\n{context}\n\nSuggest {count} headlines..."
    [fields]                   # other named fields and their defaults
    audience = "general readers"

`anchor = true` asks that each item end with a short verbatim quote of the
passage it is about; sparring finds it in the draft and pins the item there.

Substitution is done by sparring, never by `str.format`: a template may name
only {context}, {count}, {instruction} and its own [fields], as bare names
(no attributes, indexes, conversions or format specs), and is refused when it
is loaded otherwise. The values are inserted as they are, so a draft full of
braces is just text.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sparring import paths
from sparring.config import THINK_SETTINGS
from sparring.errors import PromptError, UsageError, did_you_mean
from sparring.providers.listing import ListShape
from sparring.typed import Malformed, toml_data

BUILTIN_FIELDS = ("context", "count", "instruction")
FREE_TEXT = "ask"
_KEYS = {
    "description",
    "output",
    "count",
    "system",
    "template",
    "fields",
    "think",
    "exact_count",
    "item_chars",
    "item_question",
    "anchor",
}


@dataclass(frozen=True)
class Prompt:
    name: str
    description: str
    output: Literal["list", "text"]
    count: int
    system: str
    template: str
    fields: dict[str, str] = field(default_factory=dict)
    source: Path | None = None
    #: How much the models should think for this task; "auto" leaves it to them.
    think: str = "auto"
    #: A list task: hold each answer to exactly `count` one-line items where the model
    #: takes it (local models by default; see lists.py), each so many characters long.
    exact_count: bool = True
    item_chars: tuple[int, int] = (8, 220)
    item_question: bool = False
    #: Each item ends with a short verbatim quote of the passage it is about, which
    #: sparring finds in the draft (anchors.py).
    anchor: bool = False

    def shape(self, count: int | None = None) -> ListShape | None:
        """The shape of this task's items, if it holds its lists to a count."""
        if self.output != "list" or not self.exact_count:
            return None
        low, high = self.item_chars
        return ListShape(count or self.count, low, high, self.item_question, self.anchor)

    def render(
        self,
        context: str,
        *,
        count: int | None = None,
        instruction: str = "",
        values: dict[str, str] | None = None,
    ) -> str:
        """The user message: the template with every field filled in literally."""
        unknown = sorted(set(values or {}) - set(self.fields))
        if unknown:
            raise UsageError(
                f"prompt '{self.name}' has no field '{unknown[0]}'",
                hint=f"its fields: {', '.join(self.fields) or 'none'}",
            )
        filled = {
            **self.fields,
            **(values or {}),
            "context": context,
            "count": str(count or self.count),
            "instruction": instruction,
        }
        parts: list[str] = []
        for literal, name, _spec, _conversion in string.Formatter().parse(self.template):
            parts.append(literal)
            if name is not None:
                parts.append(filled[name])
        text = "".join(parts)
        if instruction and "{instruction}" not in self.template:
            text = f"{text}\n\n{instruction}"
        return text


#: The system text of every task, the same for all, so that every prompt of a session begins
#: the same way (this, then the draft) and a model that caches the evaluated prompt pays for
#: the draft once. Each task's own `system` text follows the draft in the user message.
SHARED_SYSTEM = (
    "You help a writer think about their own text: you push back with ideas, "
    "counter-arguments and questions. Always reply in the same language as the writer's text."
)
_SENTINEL = "\x00context\x00"


def messages(
    prompt: Prompt,
    context: str,
    *,
    count: int | None = None,
    instruction: str = "",
    values: dict[str, str] | None = None,
) -> tuple[str, str, int]:
    """(system, user, shared): what a task sends, and how much of the user message is the
    part every task of the session shares (the template up to and including the draft).

    The task's own system text goes after the draft: before it, the prompt is the
    same for every task, so the draft is evaluated (and billed, where a service
    caches prompts) once.
    """
    rendered = prompt.render(_SENTINEL, count=count, instruction=instruction, values=values)
    before, _, after = rendered.partition(_SENTINEL)
    task_system = f"\n\n{prompt.system}" if prompt.system else ""
    user = f"{before}{context}{task_system}{after}"
    return SHARED_SYSTEM, user, len(before) + len(context)


def free_text_prompt() -> Prompt:
    """The prompt behind `--ask "..."` with no task: the instruction applied to the context."""
    return Prompt(
        name=FREE_TEXT,
        description="A one-off instruction of your own (--ask)",
        output="text",
        count=0,
        system=(
            "You help a writer think. Answer the writer's request about their text. "
            "Reply in the language of the writer's text."
        ),
        template="Here is my text:\n\n{context}\n\n{instruction}",
    )


def parse(name: str, text: str, source: Path | None = None) -> Prompt:
    """A prompt from the text of its TOML file, checked field by field."""
    where = str(source) if source else f"prompt '{name}'"
    try:
        data = toml_data(text)
    except Malformed as error:
        raise PromptError(f"{where}: {error}") from None
    for key in data:
        if key not in _KEYS:
            raise PromptError(
                f"{where}: unknown key '{key}'",
                hint=did_you_mean(key, sorted(_KEYS)) or f"known keys: {', '.join(sorted(_KEYS))}",
            )
    for key in ("system", "template"):
        if key not in data:
            raise PromptError(f"{where}: missing '{key}'", hint=f'add {key} = "..."')
    _expect(where, data, "description", str)
    _expect(where, data, "system", str)
    _expect(where, data, "template", str)
    _expect(where, data, "output", str)
    _expect(where, data, "count", int)
    _expect(where, data, "fields", dict)
    _expect(where, data, "think", str)
    _expect(where, data, "exact_count", bool)
    _expect(where, data, "item_question", bool)
    _expect(where, data, "anchor", bool)
    item_chars = data.get("item_chars", [8, 220])
    if (
        not isinstance(item_chars, list)
        or len(item_chars) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in item_chars)
        or not 1 <= item_chars[0] <= item_chars[1] <= 2000
    ):
        raise PromptError(
            f"{where}: 'item_chars' must be two whole numbers, shortest and longest, "
            "such as [8, 90]"
        )
    think = data.get("think", "auto")
    if think not in THINK_SETTINGS:
        raise PromptError(
            f"{where}: 'think' must be one of {', '.join(THINK_SETTINGS)}, not \"{think}\""
        )
    output = data.get("output", "text")
    if output not in ("list", "text"):
        raise PromptError(f'{where}: \'output\' must be "list" or "text", not "{output}"')
    fields = data.get("fields", {})
    for key, value in fields.items():
        if not isinstance(value, str):
            raise PromptError(f"{where}: field '{key}' must have a string default")
        if key in BUILTIN_FIELDS:
            raise PromptError(f"{where}: field '{key}' is filled by sparring; rename it")
    named = _check_template(where, data["template"], set(BUILTIN_FIELDS) | set(fields))
    # Parsed, not searched: "{{context}}" is a literal brace pair, and the draft would
    # never be sent.
    if "context" not in named:
        raise PromptError(f"{where}: the template never uses {{context}}", hint="add {context}")
    count = data.get("count", 10 if output == "list" else 0)
    if count < 0:
        raise PromptError(f"{where}: 'count' must not be negative")
    return Prompt(
        name=name,
        description=data.get("description", ""),
        output=output,
        count=count,
        system=data["system"],
        template=data["template"],
        fields=dict(fields),
        source=source,
        think=think,
        exact_count=data.get("exact_count", True),
        item_chars=(item_chars[0], item_chars[1]),
        item_question=data.get("item_question", False),
        anchor=data.get("anchor", False),
    )


def _expect(where: str, data: dict[str, Any], key: str, wanted: type) -> None:
    if key not in data:
        return
    value = data[key]
    wrong = not isinstance(value, bool) if wanted is bool else not isinstance(value, wanted)
    if wrong or (wanted is not bool and isinstance(value, bool)):
        kind = {str: "a string", int: "an integer", dict: "a table", bool: "true or false"}[wanted]
        raise PromptError(f"{where}: '{key}' must be {kind}, not {type(data[key]).__name__}")


def _check_template(where: str, template: str, allowed: set[str]) -> set[str]:
    """The fields the template names, each checked; raises PromptError for any other."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise PromptError(
            f"{where}: the template is malformed: {error}", hint="write a literal brace as {{ or }}"
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise PromptError(
                f"{where}: template field '{{{name}}}' is not allowed",
                hint="use plain names such as {context}; write a literal brace as {{ or }}",
            )
        if name not in allowed:
            raise PromptError(
                f"{where}: the template names an unknown field '{{{name}}}'",
                hint=did_you_mean(name, sorted(allowed))
                or f"declare it under [fields], or use one of {', '.join(sorted(allowed))}",
            )
    return {name for _literal, name, _spec, _conversion in parsed if name}


class Prompts(dict[str, Prompt]):
    """The tasks by name, and the prompt files that could not be used, each with why."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: dict[str, PromptError] = {}


def load_all() -> Prompts:
    """The shipped prompts, then the user's: a user file of the same name overrides.

    A file that cannot be used is left out and remembered in `broken`, so that one
    bad file stops only its own task (`get` says what is wrong with it).
    """
    prompts = Prompts()
    for folder in (paths.builtin_prompts_dir(), paths.user_prompts_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if not path.is_file():
                continue  # a dir or a dangling link named like a prompt file is not one
            try:
                prompts[path.stem] = load_file(path)
            except PromptError as error:
                prompts.broken[path.stem] = error
    return prompts


def load_file(path: Path) -> Prompt:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PromptError(f"{path}: not UTF-8 text", hint="save it as UTF-8") from None
    except OSError as error:
        raise PromptError(f"{path}: cannot read it ({error.strerror})") from None
    return parse(path.stem, text, path)


def get(name: str, prompts: dict[str, Prompt] | None = None) -> Prompt:
    prompts = load_all() if prompts is None else prompts
    if name in prompts:
        return prompts[name]
    if name == FREE_TEXT:
        return free_text_prompt()
    broken = getattr(prompts, "broken", {})
    if name in broken:
        raise broken[name]
    raise UsageError(
        f"unknown task '{name}'",
        hint=did_you_mean(name, sorted(prompts))
        or f"tasks: {', '.join(sorted(prompts))} (see `sparring prompts`)",
    )
