"""Anthropic, through the official `anthropic` SDK (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

from sparring.errors import (
    AuthenticationFailed,
    ProviderUnavailable,
    StreamInterrupted,
    TemporaryFailure,
)
from sparring.providers import ModelRef, provider_url
from sparring.providers.base import Backend, ChatRequest, Finish, Location, Stop
from sparring.providers.failures import KEPT, body_message, broke_off, stalled, status_error
from sparring.providers.keys import key_from_env
from sparring.providers.listing import JsonItems, json_schema
from sparring.providers.thinking import Thinking

#: stop_reason (SDK types/stop_reason.py) -> why the stream ended, as sparring says it.
_STOPS: dict[str, Stop] = {
    "max_tokens": "length",
    "refusal": "refusal",
    "model_context_window_exceeded": "context",
}
#: Models known to refuse a temperature: claude-opus-4-7 answers 400 "`temperature` is
#: deprecated for this model." (inspect_ai#3721, models.dev#1468).
_REFUSE_TEMPERATURE = ("claude-opus-4-7",)
#: Parameters a model refused this run, by model.
_REFUSED: dict[str, set[str]] = {}
#: Thinking budgets by level: the API takes at least 1,024 tokens.
_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}


class AnthropicBackend(Backend):
    provider = "anthropic"

    def __init__(
        self, model: str, *, stall_timeout: float = 120.0, location: Location = "cloud"
    ) -> None:
        super().__init__(model)
        self.stall_timeout = stall_timeout
        key = key_from_env("ANTHROPIC_API_KEY")
        if key is None:
            raise AuthenticationFailed(
                "ANTHROPIC_API_KEY is not set", hint="export ANTHROPIC_API_KEY=sk-ant-..."
            )
        self.base_url = provider_url(ModelRef(model, "anthropic", model))
        self.location = location
        self.client = anthropic.AsyncAnthropic(
            api_key=key.reveal(),
            base_url=self.base_url,
            max_retries=0,
            timeout=httpx2.Timeout(stall_timeout, connect=10.0),
            # The SDK's own defaults, plus the hook that starts the figures' clock.
            # No redirects: a 307 would re-post the draft wherever it pointed (see
            # failures.redirected); the SDK's client follows them by default.
            http_client=anthropic.DefaultAsyncHttpxClient(
                event_hooks={"request": [self.on_http_request]}, follow_redirects=False
            ),
        )
        # The SDK imports its resources on first use: here, in the thread that
        # opens backends, rather than on the event loop that streams the others.
        self.client.messages  # noqa: B018

    @property
    def _takes_temperature(self) -> bool:
        refused = _REFUSED.get(self.model, set())
        return self.model not in _REFUSE_TEMPERATURE and "temperature" not in refused

    def arguments(self, request: ChatRequest) -> dict[str, Any]:
        """The request's parameters, as the installed SDK and this model take them."""
        budget = _thinking_budget(request)
        arguments: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens + budget,
            "messages": _messages(request),
            "stream": True,
        }
        if request.system:
            arguments["system"] = request.system
        if request.shape is not None:
            # N required keys: the API takes minItems of 0 or 1 only (SDK lib/_parse/_transform.py).
            arguments["output_config"] = {
                "format": {"type": "json_schema", "schema": json_schema(request.shape)}
            }
        if budget:
            # docs: thinking needs budget_tokens >= 1024, and counts toward max_tokens.
            arguments["thinking"] = {"type": "enabled", "budget_tokens": budget}
        elif request.temperature is not None and self._takes_temperature:
            # The installed SDK (2.14) has no temperature argument: it goes in the body.
            # Thinking takes none at all, and a model that refuses one is asked again
            # without it (see _generate).
            arguments["extra_body"] = {"temperature": request.temperature}
        return arguments

    @property
    def takes_shape(self) -> bool:
        return True

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        while True:
            arguments = self.arguments(request)
            items = (
                JsonItems(request.shape.quote)
                if "output_config" in arguments and request.shape is not None
                else None
            )
            try:
                async for event in self._events(arguments):
                    if items is not None and isinstance(event, str):
                        for line in items.feed(event):
                            yield line
                    else:
                        yield event
                return
            except anthropic.BadRequestError as error:
                if "extra_body" not in arguments or "temperature" not in str(error.message):
                    raise self._translate(error) from None
                _REFUSED.setdefault(self.model, set()).add("temperature")
                self.say(f"{self.label} does not take a temperature: sparring asks without it")

    async def _events(self, arguments: dict[str, Any]) -> AsyncIterator[str | Thinking | Finish]:
        input_tokens: int | None = None
        output_tokens: int | None = None
        cache_read: int | None = None
        cache_write: int | None = None
        stop_reason: str | None = None
        produced = False
        try:
            stream = await self.client.messages.create(**arguments)
            async for event in stream:
                if event.type == "message_start":
                    usage = event.message.usage
                    cache_read = getattr(usage, "cache_read_input_tokens", None)
                    cache_write = getattr(usage, "cache_creation_input_tokens", None)
                    # input_tokens leaves out what the cache read and wrote (SDK types/usage.py):
                    # sparring counts a prompt's tokens whole, the cached ones among them.
                    input_tokens = usage.input_tokens + (cache_read or 0) + (cache_write or 0)
                elif event.type == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta" and delta.text:
                        produced = True
                        yield delta.text
                    elif delta.type == "thinking_delta" and delta.thinking:
                        produced = True
                        yield Thinking(delta.thinking)
                elif event.type == "message_delta":
                    output_tokens = event.usage.output_tokens
                    stop_reason = event.delta.stop_reason or stop_reason
                elif event.type == "message_stop":
                    yield Finish(
                        input_tokens,
                        output_tokens,
                        _STOPS.get(stop_reason or "", "end"),
                        cached_input_tokens=cache_read,
                        cache_write_tokens=cache_write,
                        stop_detail="the conversation outgrew the model's context window"
                        if stop_reason == "model_context_window_exceeded"
                        else "",
                    )
                    return
        except anthropic.BadRequestError:
            raise
        except anthropic.APIStatusError as error:
            detail = body_message(error.body, str(error.message))
            if error.status_code == 200 and not produced and _retryable_event(error.body):
                # docs (messages-streaming): an overloaded_error event "would normally
                # correspond to an HTTP 529"; before any text it is asked again, as a 529 is.
                raise TemporaryFailure(
                    f"{self.label}: the service is overloaded ({detail})", retryable=True
                ) from None
            if produced or error.status_code == 200:
                # An `event: error` inside a 200 stream: the text so far is kept.
                raise StreamInterrupted(
                    f"{self.label}: the stream ended with an error: {detail}",
                    hint=KEPT,
                ) from None
            raise self._translate(error) from None
        except anthropic.APITimeoutError:
            raise stalled(self.label, "Anthropic") from None
        except anthropic.APIConnectionError:
            if produced:
                raise StreamInterrupted(
                    f"{self.label}: the connection broke off mid-answer",
                    hint=KEPT,
                ) from None
            raise ProviderUnavailable(
                f"{self.label}: cannot connect to {self.base_url}",
                hint="check your network, or ANTHROPIC_BASE_URL",
            ) from None
        except httpx2.TimeoutException:
            raise stalled(self.label, "Anthropic") from None
        except (httpx2.TransportError, ValueError) as error:
            # The SDK lets a cut connection (httpx2) and a malformed frame (JSON) through raw.
            raise broke_off(self.label, error) from None

    def _translate(self, error: anthropic.APIStatusError) -> Exception:
        return status_error(
            self.label,
            error.status_code,
            body_message(error.body, str(error.message)),
            key_hint="check ANTHROPIC_API_KEY",
            model_hint="check the model name, e.g. anthropic:claude-opus-4-1",
            headers=error.response.headers,
            model_missing=f"no model '{self.model}'",
        )

    async def aclose(self) -> None:
        await self.client.close()


def _messages(request: ChatRequest) -> list[dict[str, Any]]:
    """The conversation; in a session that goes on, the draft marked for the prompt cache.

    docs (prompt caching): a cache_control breakpoint caches everything before it (the
    system text and the draft) for later requests that begin the same way.
    """
    messages: list[dict[str, Any]] = [
        {"role": message.role, "content": message.content} for message in request.conversation
    ]
    if request.cache and request.shared and messages and messages[0]["role"] == "user":
        text = messages[0]["content"]
        blocks: list[dict[str, Any]] = [
            {"type": "text", "text": text[: request.shared], "cache_control": {"type": "ephemeral"}}
        ]
        if text[request.shared :]:
            blocks.append({"type": "text", "text": text[request.shared :]})
        messages[0] = {"role": "user", "content": blocks}
    return messages


def _thinking_budget(request: ChatRequest) -> int:
    """Tokens to think, for Anthropic's opt-in thinking: none unless a level is asked for."""
    if request.think in (None, "off"):
        return 0
    return max(1024, min(_BUDGETS[request.think], request.thinking_budget))


def _retryable_event(body: Any) -> bool:
    """An error event that a service under load sends: asked again, before any text."""
    inner = body.get("error", body) if isinstance(body, dict) else {}
    kind = inner.get("type") if isinstance(inner, dict) else None
    return kind in ("overloaded_error", "api_error", "rate_limit_error")
