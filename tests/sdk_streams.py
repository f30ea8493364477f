"""Driving the fake servers through the real SDKs: one stream, what arrived and how it ended."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import httpx
import ollama
import openai

from fakes import FakeOpenAI

MESSAGES = [{"role": "user", "content": "Give me three headlines."}]

#: The openai_servers fixture: start a FakeOpenAI with these settings, and a client for it.
OpenAIServers = Callable[..., tuple[FakeOpenAI, openai.AsyncOpenAI]]


def text_of_tokens(tokens: int) -> str:
    """Text the fakes count as `tokens` tokens (four characters each)."""
    return "tree" * tokens


async def ollama_chat(
    client: ollama.AsyncClient, model: str = "qwen3:4b", **arguments: Any
) -> tuple[list[Any], BaseException | None]:
    parts: list[Any] = []
    arguments.setdefault("messages", MESSAGES)
    try:
        async for part in await client.chat(model=model, stream=True, **arguments):
            parts.append(part)
    except Exception as error:
        return parts, error
    return parts, None


def ollama_text(parts: list[Any]) -> list[str]:
    return [p.message.content for p in parts if p.message.content]


def ollama_thinking(parts: list[Any]) -> list[str]:
    return [p.message.thinking for p in parts if p.message.thinking]


async def openai_chat(
    client: openai.AsyncOpenAI,
    include_usage: bool = True,
    model: str = "gpt-4o-mini",
    **arguments: Any,
) -> tuple[list[Any], BaseException | None]:
    chunks: list[Any] = []
    arguments.setdefault("messages", MESSAGES)
    try:
        stream = await client.chat.completions.create(
            model=model,
            stream=True,
            stream_options={"include_usage": True} if include_usage else openai.omit,
            **arguments,
        )
        async for chunk in stream:
            chunks.append(chunk)
    except Exception as error:
        return chunks, error
    return chunks, None


def openai_text(chunks: list[Any]) -> list[str]:
    return [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]


def openai_field(chunks: list[Any], name: str) -> list[Any]:
    """A delta field the SDK does not declare (reasoning_content, reasoning), chunk by chunk."""
    found = []
    for chunk in chunks:
        if chunk.choices:
            extra = chunk.choices[0].delta.model_extra or {}
            if extra.get(name) is not None:
                found.append(extra[name])
    return found


async def anthropic_chat(
    client: anthropic.AsyncAnthropic,
    model: str = "claude-haiku-4-5",
    max_tokens: int = 256,
    **arguments: Any,
) -> tuple[list[Any], BaseException | None]:
    events: list[Any] = []
    arguments.setdefault("messages", MESSAGES)
    try:
        stream = await client.messages.create(
            model=model, max_tokens=max_tokens, stream=True, **arguments
        )
        async for event in stream:
            events.append(event)
    except Exception as error:
        return events, error
    return events, None


def anthropic_text(events: list[Any]) -> list[str]:
    return [
        e.delta.text
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    ]


def anthropic_thinking(events: list[Any]) -> list[str]:
    return [
        e.delta.thinking
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "thinking_delta"
    ]


async def raw_lines(
    url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, list[bytes]]:
    """The response as the wire carries it, for what the SDKs hide."""
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST", url, json=body, headers={"x-api-key": "test", **(headers or {})}
        ) as response,
    ):
        data = b"".join([piece async for piece in response.aiter_raw()])
    return response.status_code, data.split(b"\n")
