"""What Anthropic's Messages API refuses, and how it says it.

Anthropic's server is not public: each rule names the issue reports that
quote the real response, or the SDK docstring that states the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Models that refuse `temperature` (other than 1, kept for compatibility):
#: claude-opus-4-7 (UKGovernmentBEIS/inspect_ai#3721, BoltAI/BoltAI#410),
#: claude-opus-4-8 and claude-fable-5 (The-PR-Agent/pr-agent#2456),
#: claude-opus-5 and claude-sonnet-5 (github/app#2574).
TEMPERATURE_DEPRECATED = (
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-opus-5",
    "claude-sonnet-5",
    "claude-fable-5",
)
#: Models that refuse `temperature` and `top_p` together: claude-sonnet-4-5
#: (langfuse/langfuse#9882), claude-sonnet-4-6 (Vali-98/ChatterUI#564,
#: skydiscover-ai/skydiscover#15), claude-haiku-4-5 and claude-opus-4-1
#: (BerriAI/litellm#15097), and the opus 4.5/4.6 of the same generation.
TEMPERATURE_OR_TOP_P = (
    "claude-sonnet-4-5",
    "claude-sonnet-4-6",
    "claude-haiku-4-5",
    "claude-opus-4-1",
    "claude-opus-4-5",
    "claude-opus-4-6",
)
#: The context window the fake checks prompts against, unless told another.
CONTEXT_WINDOW = 200_000
#: ThinkingConfigEnabledParam.budget_tokens: "Must be ≥1024 and less than `max_tokens`."
MIN_THINKING_BUDGET = 1024


class Refusal(Exception):
    """A request answered with 400 invalid_request_error and this message."""


def thinking_budget(body: Mapping[str, Any]) -> int | None:
    """The thinking budget asked (None: no thinking, or adaptive thinking)."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        return budget if isinstance(budget, int) else 0
    return None


def thinking_enabled(body: Mapping[str, Any]) -> bool:
    """thinking {type: "enabled"} or {type: "adaptive"} (SDK types/thinking_config_*.py)."""
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def thinking_shown(body: Mapping[str, Any]) -> bool:
    """display "omitted": "thinking content is redacted but a signature is returned"."""
    thinking = body.get("thinking")
    return not (isinstance(thinking, dict) and thinking.get("display") == "omitted")


def check_request(body: Mapping[str, Any], model: str) -> None:
    """Refuse what the API refuses before answering (Refusal), in this order."""
    budget = thinking_budget(body)
    max_tokens = body.get("max_tokens")
    if budget is not None:
        if budget < MIN_THINKING_BUDGET:
            # themaximalist/llm.js#30 quotes this message.
            raise Refusal(
                "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
            )
        if isinstance(max_tokens, int) and max_tokens <= budget:
            # Quoted in third-party error handling ("`max_tokens` must be greater
            # than `thinking.budget_tokens`."); the SDK docstring states the rule.
            raise Refusal("`max_tokens` must be greater than `thinking.budget_tokens`.")
    temperature = body.get("temperature")
    if model.startswith(TEMPERATURE_DEPRECATED) and temperature is not None and temperature != 1:
        raise Refusal("`temperature` is deprecated for this model.")
    if (
        model.startswith(TEMPERATURE_OR_TOP_P)
        and temperature is not None
        and body.get("top_p") is not None
    ):
        raise Refusal(
            "`temperature` and `top_p` cannot both be specified for this model. "
            "Please use only one."
        )
    if thinking_enabled(body) and temperature is not None and temperature != 1:
        # Quoted in third-party notes: "`temperature` may only be set to 1 when
        # thinking is enabled" (the rest of the real message is not confirmed).
        raise Refusal("`temperature` may only be set to 1 when thinking is enabled.")


def check_context(prompt: int, window: int) -> None:
    """A prompt over the context window (quoted in third-party fixtures:
    "prompt is too long: 210503 tokens > 200000 maximum")."""
    if prompt > window:
        raise Refusal(f"prompt is too long: {prompt} tokens > {window} maximum")


def uses_cache_control(value: Any) -> bool:
    """Whether a cache_control marker appears anywhere in the request."""
    if isinstance(value, dict):
        return "cache_control" in value or any(uses_cache_control(v) for v in value.values())
    if isinstance(value, list):
        return any(uses_cache_control(v) for v in value)
    return False
