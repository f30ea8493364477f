"""Anthropic, through the official `anthropic` SDK (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

from sparring.errors import AuthenticationFailed, ProviderUnavailable, StreamInterrupted
from sparring.providers import is_loopback_url
from sparring.providers.base import Backend, ChatRequest, Finish
from sparring.providers.failures import KEPT, body_message, broke_off, stalled, status_error
from sparring.providers.keys import key_from_env

ANTHROPIC_URL = "https://api.anthropic.com"


class AnthropicBackend(Backend):
    provider = "anthropic"

    def __init__(self, model: str, *, stall_timeout: float = 120.0) -> None:
        super().__init__(model)
        key = key_from_env("ANTHROPIC_API_KEY")
        if key is None:
            raise AuthenticationFailed(
                "ANTHROPIC_API_KEY is not set", hint="export ANTHROPIC_API_KEY=sk-ant-..."
            )
        self.base_url = os.environ.get("ANTHROPIC_BASE_URL", "").strip() or ANTHROPIC_URL
        self.location = "local" if is_loopback_url(self.base_url) else "cloud"
        self.client = anthropic.AsyncAnthropic(
            api_key=key.reveal(),
            base_url=self.base_url,
            max_retries=0,
            timeout=httpx2.Timeout(stall_timeout, connect=10.0),
            # The SDK's own defaults, plus the hook that starts the figures' clock.
            http_client=anthropic.DefaultAsyncHttpxClient(
                event_hooks={"request": [self.on_http_request]}
            ),
        )
        # The SDK imports its resources on first use: here, in the thread that
        # opens backends, rather than on the event loop that streams the others.
        self.client.messages  # noqa: B018

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        arguments: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": [
                {"role": message.role, "content": message.content}
                for message in request.conversation
            ],
            "stream": True,
        }
        if request.system:
            arguments["system"] = request.system
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        input_tokens: int | None = None
        output_tokens: int | None = None
        stop_reason: str | None = None
        produced = False
        try:
            stream = await self.client.messages.create(**arguments)
            async for event in stream:
                if event.type == "message_start":
                    input_tokens = event.message.usage.input_tokens
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    if event.delta.text:
                        produced = True
                        yield event.delta.text
                elif event.type == "message_delta":
                    output_tokens = event.usage.output_tokens
                    stop_reason = event.delta.stop_reason or stop_reason
                elif event.type == "message_stop":
                    yield Finish(input_tokens, output_tokens, stop_reason)
                    return
        except anthropic.APIStatusError as error:
            if produced or error.status_code == 200:
                # An `event: error` inside a 200 stream: the text so far is kept.
                detail = body_message(error.body, str(error.message))
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
