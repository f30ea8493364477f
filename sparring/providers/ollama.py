"""Ollama, through the official `ollama` client (which honours OLLAMA_HOST)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import ollama

from sparring.errors import (
    BadInput,
    ModelNotFound,
    ProviderUnavailable,
    StreamInterrupted,
    TemporaryFailure,
)
from sparring.providers import is_loopback_url, ollama_host
from sparring.providers.base import Backend, ChatRequest, Finish, Location
from sparring.providers.failures import broke_off


class OllamaBackend(Backend):
    provider = "ollama"

    def __init__(self, model: str, *, stall_timeout: float = 120.0) -> None:
        super().__init__(model)
        self.host = ollama_host()
        # Ollama's client waits forever by default; a stalled stream must end.
        timeout = httpx.Timeout(stall_timeout, connect=10.0)
        # The hook starts the figures' clock when a request leaves.
        self.client = ollama.AsyncClient(
            host=self.host, timeout=timeout, event_hooks={"request": [self.on_http_request]}
        )
        self.location: Location = "local" if is_loopback_url(self.host) else "cloud"
        self._remote_host: str | None = None
        self._prepared = False

    async def prepare(self) -> None:
        """Ask /api/show where the model runs: `-cloud` models run on ollama.com."""
        if self._prepared:
            return
        details = await self.show(self.model)
        self._remote_host = details.get("remote_host")
        if self._remote_host:
            self.location = "cloud"
        self._prepared = True

    async def show(self, model: str) -> dict[str, Any]:
        # The client's ShowResponse drops remote_host, so read the raw answer.
        try:
            response = await self.client._request_raw(  # type: ignore[no-untyped-call]
                "POST", "/api/show", json={"model": model}
            )
        except ollama.ResponseError as error:
            raise self._translate(error) from None
        except ConnectionError:
            raise self._unreachable() from None
        answer: dict[str, Any] = response.json()
        return answer

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        await self.prepare()
        try:
            stream = await self.client.chat(
                model=self.model,
                messages=request.as_dicts(),
                stream=True,
                options=_options(request),
            )
            async for part in stream:
                text = part.message.content if part.message else None
                if text:
                    yield text
                if part.done:
                    yield Finish(part.prompt_eval_count, part.eval_count, part.done_reason)
                    return
        except ollama.ResponseError as error:
            raise self._translate(error) from None
        except ConnectionError:
            raise self._unreachable() from None
        except httpx.TimeoutException:
            raise TemporaryFailure(
                f"{self.label}: no data from Ollama for a long time; the stream was cut",
                hint="is the model still loading? raise stall_timeout in config.toml",
            ) from None
        except (httpx.TransportError, ValueError) as error:
            raise broke_off(self.label, error) from None

    def _unreachable(self) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"Ollama is not reachable at {self.host}",
            hint="start it with `ollama serve`, or set OLLAMA_HOST",
        )

    def _translate(self, error: ollama.ResponseError) -> Exception:
        status = error.status_code
        if status == 404:
            return ModelNotFound(
                f"Ollama has no model '{self.model}'",
                hint=f"pull it with `sparring pull {self.model}`",
            )
        if status == 400:
            return BadInput(f"{self.label}: Ollama refused the request: {error.error}")
        if status in (401, 403):
            from sparring.errors import AuthenticationFailed

            return AuthenticationFailed(
                f"{self.label}: Ollama refused access ({status})",
                hint="for cloud models, sign in with `ollama signin`",
            )
        if status == 429 or status >= 500:
            return TemporaryFailure(
                f"{self.label}: Ollama answered {status}: {error.error}", retryable=True
            )
        return StreamInterrupted(f"{self.label}: {error.error}")

    async def list_models(self) -> list[str]:
        try:
            listed = await self.client.list()
        except ConnectionError:
            raise self._unreachable() from None
        except ollama.ResponseError as error:
            raise self._translate(error) from None
        return [model.model for model in listed.models if model.model]

    async def pull(self, model: str) -> AsyncIterator[tuple[str, int | None, int | None]]:
        """(status, completed bytes, total bytes) as Ollama pulls the model."""
        try:
            async for progress in await self.client.pull(model, stream=True):
                yield progress.status or "", progress.completed, progress.total
        except ConnectionError:
            raise self._unreachable() from None
        except ollama.ResponseError as error:
            message = str(error.error).lower()
            if error.status_code == 404 or "not found" in message or "does not exist" in message:
                raise ModelNotFound(
                    f"there is no model '{model}' to pull",
                    hint="see the model names at ollama.com/library",
                ) from None
            raise self._translate(error) from None

    async def aclose(self) -> None:
        await self.client._client.aclose()


def _options(request: ChatRequest) -> dict[str, Any]:
    options: dict[str, Any] = {"num_predict": request.max_tokens}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    return options
