"""What OpenAI and OpenAI-compatible servers refuse, and how each says it.

A `flavor` is the server behind the OpenAI protocol: "openai" (the API
itself), "llama.cpp" (llama-server) or "vllm". Each rule names its source:
the service's own code where it is public, otherwise issue reports that
quote the real response body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .reply import json_number

Flavor = Literal["openai", "llama.cpp", "vllm"]
#: Where a server puts the model's reasoning in the stream:
#: "hidden": not streamed, only counted (OpenAI's reasoning models);
#: "reasoning_content": delta.reasoning_content (llama-server's default
#: --reasoning-format, LM Studio, DeepSeek);
#: "reasoning": delta.reasoning (vLLM, Ollama's /v1, OpenRouter, Groq parsed);
#: "think_tags": inside delta.content between <think> and </think>
#: (llama-server --reasoning-format none, Groq raw).
ReasoningFormat = Literal["hidden", "reasoning_content", "reasoning", "think_tags"]

#: tools/server/README.md (--reasoning-format deepseek); vLLM
#: docs/features/reasoning_outputs.md ("`reasoning` used to be called
#: `reasoning_content`").
FLAVOR_REASONING: dict[Flavor, ReasoningFormat] = {
    "openai": "hidden",
    "llama.cpp": "reasoning_content",
    "vllm": "reasoning",
}

#: openai-python types/shared/reasoning_effort.py (SDK 3.57.0).
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
REASONING_PREFIXES = ("gpt-5", "o1", "o3", "o4")

#: The context (input) limit OpenAI applies when the server is given none:
#: gpt-5 models take 272,000 input tokens (cline/cline#5474,
#: RooCodeInc/Roo-Code#6856); 128,000 is gpt-4o's window.
OPENAI_INPUT_LIMIT = {"gpt-5": 272_000}
OPENAI_DEFAULT_LIMIT = 128_000
#: llama-server's and vLLM's context when the fake is given none.
COMPAT_DEFAULT_CONTEXT = 4096


def is_reasoning_model(model: str) -> bool:
    """OpenAI's reasoning models: the gpt-5 family and the o-series."""
    return model.startswith(REASONING_PREFIXES)


class Refusal(Exception):
    """A request the server answers with `status` and `body` before any stream."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def openai_error(
    message: str, type_: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """OpenAI's error body."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def check_reasoning_parameters(
    body: Mapping[str, Any], efforts: Sequence[str] = REASONING_EFFORTS
) -> None:
    """What OpenAI's reasoning models refuse (Refusal), in the order checked here."""
    if body.get("max_tokens") is not None:
        # griptape-ai/ComfyUI-Griptape#312, fish2018/YPrompt#26 (gpt-5.1) quote this body.
        raise Refusal(
            400,
            openai_error(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "invalid_request_error",
                "unsupported_parameter",
                "max_tokens",
            ),
        )
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        # gabrii/Cursor-Azure-GPT-5#33, OpenHands/OpenHands#4131 (0.0 as sent),
        # johny-b/llmcomp#69 (gpt-5.4): the value is echoed as the request spelled it.
        raise Refusal(
            400,
            openai_error(
                f"Unsupported value: 'temperature' does not support {json_number(temperature)} "
                "with this model. Only the default (1) value is supported.",
                "invalid_request_error",
                "unsupported_value",
                "temperature",
            ),
        )
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in efforts:
        # Bodies quoted in third-party code (e.g. "does not support 'max' with this
        # model. Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.").
        raise Refusal(
            400,
            openai_error(
                f"Unsupported value: 'reasoning_effort' does not support {effort!r} with "
                f"this model. Supported values are: {_listed(efforts)}.",
                "invalid_request_error",
                "unsupported_value",
                "reasoning_effort",
            ),
        )


def _listed(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def output_limit(body: Mapping[str, Any]) -> int | None:
    """The output budget asked: max_completion_tokens, else max_tokens (vLLM reads the
    same pair: serving_engine.py `request.max_completion_tokens or request.max_tokens`)."""
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def check_context(flavor: Flavor, model: str, limit: int, prompt: int, asked: int | None) -> None:
    """Refuse a prompt the server's context cannot hold, as that server says it."""
    if flavor == "openai":
        if prompt <= limit:
            return
        if model.startswith("gpt-5"):
            # cline/cline#5474, RooCodeInc/Roo-Code#6856 (code context_length_exceeded).
            message = (
                f"Input tokens exceed the configured limit of {limit} tokens. Your messages "
                f"resulted in {prompt} tokens. Please reduce the length of the messages."
            )
        else:
            # crewAIInc/crewAI#323 quotes this body.
            message = (
                f"This model's maximum context length is {limit} tokens. However, your "
                f"messages resulted in {prompt} tokens. Please reduce the length of the messages."
            )
        raise Refusal(
            400,
            openai_error(message, "invalid_request_error", "context_length_exceeded", "messages"),
        )
    if flavor == "llama.cpp":
        if prompt < limit:
            return
        # tools/server/server-context.cpp (a prompt of n_ctx tokens or more is
        # refused, not cut); server-common.cpp format_error_response (code 400,
        # type exceed_context_size_error); server-task.cpp adds n_prompt_tokens, n_ctx.
        raise Refusal(
            400,
            {
                "error": {
                    "code": 400,
                    "message": f"request ({prompt} tokens) exceeds the available context "
                    f"size ({limit} tokens), try increasing it",
                    "type": "exceed_context_size_error",
                    "n_prompt_tokens": prompt,
                    "n_ctx": limit,
                }
            },
        )
    # vLLM: vllm/entrypoints/openai/serving_engine.py (_validate_input; the
    # current wording, as quoted from commit 9cfa5486 in litellm's mapping).
    if prompt > limit:
        message = (
            f"This model's maximum context length is {limit} tokens. However, your request "
            f"has {prompt} input tokens. Please reduce the length of the input messages."
        )
    elif asked is not None and prompt + asked > limit:
        message = (
            f"'max_tokens' or 'max_completion_tokens' is too large: {asked}. This model's "
            f"maximum context length is {limit} tokens and your request has {prompt} input "
            f"tokens ({asked} > {limit} - {prompt})."
        )
    else:
        return
    raise Refusal(
        400, {"error": {"message": message, "type": "BadRequestError", "param": None, "code": 400}}
    )


def default_context(flavor: Flavor, model: str) -> int:
    if flavor != "openai":
        return COMPAT_DEFAULT_CONTEXT
    for prefix, limit in OPENAI_INPUT_LIMIT.items():
        if model.startswith(prefix):
            return limit
    return OPENAI_DEFAULT_LIMIT
