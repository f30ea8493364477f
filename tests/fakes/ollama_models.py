"""What a fake Ollama knows about its models, and the rules it applies to a chat.

Each rule names the Ollama source it follows (ollama/ollama at v0.33.0-rc2,
2026-08): which models think and how `think` is read, which context a model
runs with, and how a prompt too long for it is cut (silently).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from .reply import prompt_tokens

#: The context a model runs with unless a request asks (server/routes.go sets
#: defaultNumCtx by VRAM: 4096 below 23 GiB, the case of a laptop).
DEFAULT_CONTEXT = 4096
#: api.DefaultOptions: NumKeep 4, the tokens a context shift always keeps.
DEFAULT_NUM_KEEP = 4
THINK_LEVELS = ("high", "medium", "low", "max")


@dataclass(frozen=True)
class OllamaModel:
    """A model as /api/show describes it (api/types.go ShowResponse, ModelDetails)."""

    name: str
    #: details.family, and the architecture that prefixes model_info keys.
    family: str
    #: types/model/capability.go: completion, tools, insert, vision, embedding,
    #: thinking, image, audio.
    capabilities: tuple[str, ...] = ("completion",)
    #: model_info["<family>.context_length"]: the context it was trained for,
    #: which caps num_ctx (server/sched.go effectiveContext).
    context_length: int = 40960
    parameter_size: str = "4.0B"
    quantization_level: str = "Q4_K_M"
    #: gpt-oss (harmony): think takes levels only; true/false are ignored and
    #: the trace cannot be disabled (docs/capabilities/thinking.mdx).
    think_levels_only: bool = False
    #: Set for `-cloud` models, which run on ollama.com.
    remote_host: str | None = None

    @property
    def thinks(self) -> bool:
        return "thinking" in self.capabilities

    @property
    def context_shift(self) -> bool:
        """server/sched.go supportsContextShift: every family but deepseek2."""
        return self.family != "deepseek2"


#: Models as the real library describes them (ollama.com/library, `ollama show`).
KNOWN_MODELS: dict[str, OllamaModel] = {
    m.name: m
    for m in (
        OllamaModel("qwen3:4b", "qwen3", ("completion", "tools", "thinking"), 40960),
        OllamaModel("llama3.2:1b", "llama", ("completion", "tools"), 131072, "1.2B", "Q8_0"),
        OllamaModel(
            "gpt-oss:20b",
            "gptoss",
            ("completion", "tools", "thinking"),
            131072,
            "20.9B",
            "MXFP4",
            think_levels_only=True,
        ),
        OllamaModel(
            "gpt-oss:120b",
            "gptoss",
            ("completion", "tools", "thinking"),
            131072,
            "116.8B",
            "MXFP4",
            think_levels_only=True,
        ),
        OllamaModel("deepseek-r1:1.5b", "qwen2", ("completion", "thinking"), 131072, "1.8B"),
    )
}


def ollama_name(name: str) -> str:
    """Ollama's short form: a name without a tag means ':latest'."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def model_spec(model: str | OllamaModel, remote_host: str | None = None) -> OllamaModel:
    """The description of a model given by name (known, or a plain completion model)."""
    if isinstance(model, OllamaModel):
        spec = replace(model, name=ollama_name(model.name))
    else:
        name = ollama_name(model)
        known = KNOWN_MODELS.get(name) or KNOWN_MODELS.get(name.removesuffix("-cloud"))
        family = name.split(":")[0].rsplit("/", 1)[-1]
        spec = replace(known, name=name) if known else OllamaModel(name, family)
    return replace(spec, remote_host=remote_host) if remote_host else spec


class BadRequest(Exception):
    """A request Ollama answers with 400 and this message."""


ThinkValue = bool | str | None


def read_think(body: Mapping[str, Any]) -> ThinkValue:
    """`think` as api/types.go ThinkValue.UnmarshalJSON reads it (BadRequest if invalid)."""
    value = body.get("think")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value not in THINK_LEVELS:
            raise BadRequest(
                f"invalid think value: {json_quote(value)} "
                '(must be "high", "medium", "low", "max", true, or false)'
            )
        return value
    raise BadRequest(
        'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'
    )


def resolve_think(model: OllamaModel, asked: ThinkValue, given_name: str) -> bool | str:
    """What the model does with `think`: False (no thinking), True, or a level.

    server/routes.go ChatHandler: a thinking-capable model with `think` unset
    thinks (think = true, since v0.12.4); a model without the capability
    given a true value (or a level) is refused; gpt-oss ignores true/false
    and maps "max" to "high" (shouldUseHarmony).
    """
    if not model.thinks:
        if asked is not None and asked is not False:
            raise BadRequest(f"{json_quote(given_name)} does not support thinking")
        return False
    if model.think_levels_only:
        if isinstance(asked, str):
            return "high" if asked == "max" else asked
        return "medium"
    return True if asked is None else asked


def json_quote(text: str) -> str:
    """Go's %q for plain text: double quotes, backslash escapes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def effective_context(asked: Any, default: int, model: OllamaModel) -> int:
    """The num_ctx a model runs with: the request's, else the default; at least 4,
    at most what the model was trained for (server/sched.go getRunner, effectiveContext)."""
    wanted = asked if isinstance(asked, int) and not isinstance(asked, bool) else default
    return min(max(wanted, 4), model.context_length)


@dataclass(frozen=True)
class Prompt:
    """How a chat's prompt fitted the context."""

    #: Tokens of the whole conversation, before anything was dropped or cut.
    tokens: int
    #: Earlier messages left out (server/prompt.go chatPrompt).
    dropped_messages: int
    #: Tokens of what was left, before the runner's cut.
    kept: int
    #: What was evaluated: prompt_eval_count.
    evaluated: int

    @property
    def truncated(self) -> bool:
        return self.evaluated < self.tokens

    @property
    def cut(self) -> bool:
        """The runner cut the kept messages (a context shift was needed)."""
        return self.evaluated < self.kept


def fit_prompt(messages: Sequence[Mapping[str, Any]], context: int, num_keep: int) -> Prompt:
    """The prompt Ollama evaluates, silently shortened to fit `context`.

    server/prompt.go chatPrompt drops whole messages from the front (keeping
    the system messages and always the last message) until the prompt fits
    `context`; llm/llama_server.go completionPromptForRequest then cuts a
    prompt of `context` tokens or more to num_keep tokens plus the tail,
    contextShiftPromptLimit(context, num_keep) tokens in all. Neither is
    reported to the client; only prompt_eval_count shows it.
    """
    whole = prompt_tokens(messages)
    start = 0
    for start in range(len(messages)):
        kept = [m for m in messages[:start] if m.get("role") == "system"]
        if prompt_tokens([*kept, *messages[start:]]) <= context:
            break
    kept = [m for m in messages[:start] if m.get("role") == "system"]
    tokens = prompt_tokens([*kept, *messages[start:]])
    evaluated = tokens
    if tokens > context - 1 and context > 1:
        keep = max(0, min(num_keep, context - 1))
        evaluated = context - max((context - keep) // 2, 1)
    return Prompt(whole, start - len(kept), tokens, evaluated)


PROMPT_TOO_LONG = (
    "the prompt is longer than the context length currently available to the model; "
    "shorten the prompt, adjust the context length in settings, or use a model with a "
    "longer context length"
)


@dataclass(frozen=True)
class OllamaChat:
    """What a fake Ollama did with one /api/chat request (FakeOllama.chats)."""

    model: str
    #: options.num_ctx as the request asked (None: not asked).
    num_ctx: Any
    #: The context the model ran with.
    context: int
    #: `think` as the request sent it (None: not sent).
    think: ThinkValue
    #: What the model did: False (no thinking), True, or a level.
    thinking: bool | str
    #: "cold" (first load), "reload" (loaded with another context), or None.
    load: Literal["cold", "reload"] | None
    prompt: Prompt | None
    #: options.num_predict (None: not asked).
    num_predict: Any
    #: The structured-output schema (or "json") the request asked for.
    format: Any
    #: done_reason of the answer ("stop", "length", "load", "unload").
    done_reason: str | None = None
