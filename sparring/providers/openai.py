"""OpenAI and every OpenAI-compatible server (llama.cpp, vLLM, LM Studio, Ollama's /v1).

The SSE stream is read line by line rather than through the SDK's iterator,
because the SDK ends a stream that lacks `data: [DONE]` as if it had finished;
here an answer without its final marker is an interrupted answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai

from sparring.errors import AuthenticationFailed, ProviderUnavailable, StreamInterrupted
from sparring.providers import ModelRef, expected_location
from sparring.providers.base import Backend, ChatRequest, Finish
from sparring.providers.failures import KEPT, body_message, broke_off, stalled, status_error
from sparring.providers.keys import key_from_command, key_from_env
from sparring.secret import Secret

OPENAI_URL = "https://api.openai.com/v1"
# Local servers ignore the key, but the SDK insists on one.
_NO_KEY = "sparring-no-key"


class OpenAIBackend(Backend):
    def __init__(
        self,
        model: str,
        *,
        provider: str,
        base_url: str,
        key: Secret | None,
        location: str,
        stall_timeout: float = 120.0,
    ) -> None:
        super().__init__(model)
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.location = "local" if location == "local" else "cloud"
        self.client = openai.AsyncOpenAI(
            api_key=key.reveal() if key else _NO_KEY,
            base_url=self.base_url,
            max_retries=0,
            timeout=httpx2.Timeout(stall_timeout, connect=10.0),
            # The SDK's own defaults, plus the hook that starts the figures' clock.
            http_client=openai.DefaultAsyncHttpxClient(
                event_hooks={"request": [self.on_http_request]}
            ),
        )
        self._usage_option = True
        # The SDK imports its resources on first use (~20 ms): here, in the thread
        # that opens backends, rather than on the event loop that streams the others.
        self.client.chat.completions.with_streaming_response  # noqa: B018

    @classmethod
    def for_ref(cls, ref: ModelRef, *, stall_timeout: float = 120.0) -> OpenAIBackend:
        """The backend for `openai:MODEL` or a configured endpoint `NAME:MODEL`.

        A key goes only where it was configured for: OPENAI_API_KEY to the
        openai provider's URL, an endpoint's key to that endpoint.
        """
        if ref.endpoint is None:
            base_url = os.environ.get("OPENAI_BASE_URL", "").strip() or OPENAI_URL
            key = key_from_env("OPENAI_API_KEY")
            if key is None and base_url.rstrip("/") == OPENAI_URL:
                raise AuthenticationFailed(
                    "OPENAI_API_KEY is not set", hint="export OPENAI_API_KEY=sk-..."
                )
            location = expected_location(ref)
        else:
            endpoint = ref.endpoint
            base_url = endpoint.base_url
            key = None
            if endpoint.api_key_command:
                key = key_from_command(endpoint.api_key_command)
            elif endpoint.api_key_env:
                key = key_from_env(endpoint.api_key_env)
                if key is None:
                    raise AuthenticationFailed(
                        f"{endpoint.api_key_env} is not set "
                        f"(the key for endpoint '{endpoint.name}')",
                        hint=f"export {endpoint.api_key_env}=...",
                    )
            location = endpoint.location
        return cls(
            ref.model,
            provider=ref.provider,
            base_url=base_url,
            key=key,
            location=location,
            stall_timeout=stall_timeout,
        )

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        try:
            async for event in self._stream_events(request):
                yield event
        except openai.APIStatusError as error:
            raise self._translate(error) from None
        except openai.APITimeoutError:
            raise stalled(self.label, self.base_url) from None
        except openai.APIConnectionError:
            raise ProviderUnavailable(
                f"{self.label}: cannot connect to {self.base_url}",
                hint="is the server running? check base_url / OPENAI_BASE_URL",
            ) from None
        except httpx2.TimeoutException:
            raise stalled(self.label, self.base_url) from None
        except httpx2.TransportError as error:
            raise broke_off(self.label, error) from None

    async def _stream_events(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": request.as_dicts(),
            "stream": True,
            "max_tokens": request.max_tokens,
        }
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        if self._usage_option:
            arguments["stream_options"] = {"include_usage": True}
        create = self.client.chat.completions.with_streaming_response.create
        try:
            response_context = create(**arguments)
            response = await response_context.__aenter__()
        except openai.BadRequestError as error:
            if "stream_options" not in arguments or "stream_options" not in str(error):
                raise
            # Some servers refuse the usage option; the counts are then estimated.
            self._usage_option = False
            arguments.pop("stream_options")
            response_context = create(**arguments)
            response = await response_context.__aenter__()
        try:
            async for event in _chunks(response, self.label):
                yield event
        finally:
            await response_context.__aexit__(None, None, None)

    def _translate(self, error: openai.APIStatusError) -> Exception:
        return status_error(
            self.label,
            error.status_code,
            body_message(error.body, str(error.message)),
            key_hint="check the API key for this provider",
            model_hint="see `sparring models` for the names it serves",
            headers=error.response.headers,
            model_missing=f"no model '{self.model}' at {self.base_url}",
        )

    async def list_models(self) -> list[str]:
        try:
            page = await self.client.models.list()
        except openai.APIStatusError as error:
            raise self._translate(error) from None
        except openai.APIConnectionError:
            raise ProviderUnavailable(f"cannot connect to {self.base_url}") from None
        return [model.id async for model in page]

    async def aclose(self) -> None:
        await self.client.close()


async def _chunks(response: Any, label: str) -> AsyncIterator[str | Finish]:
    """Chat completion chunks from the SSE lines, ending only at `data: [DONE]`."""
    data_lines: list[str] = []
    finish_reason: str | None = None
    usage: dict[str, Any] = {}
    async for line in response.iter_lines():
        if line.startswith("data:"):
            data_lines.append(line[5:].removeprefix(" "))
            continue
        if line or not data_lines:
            continue  # event names, comments, keep-alives
        data = "\n".join(data_lines)
        data_lines = []
        if data.strip() == "[DONE]":
            yield Finish(usage.get("prompt_tokens"), usage.get("completion_tokens"), finish_reason)
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            raise StreamInterrupted(
                f"{label}: the server sent a malformed frame", hint=KEPT
            ) from None
        if not isinstance(chunk, dict):
            continue
        if chunk.get("error"):
            raise StreamInterrupted(f"{label}: the server reported an error: {_describe(chunk)}")
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            if text:
                yield text
            finish_reason = choice.get("finish_reason") or finish_reason


def _describe(chunk: dict[str, Any]) -> str:
    error = chunk.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)
