"""The same request as sparring's, made directly with a backend's SDK, printed as it streams.

    python probe_direct.py openai|ollama|anthropic URL BODY.json [--quick-exit]

BODY.json is the request body sparring sent (as the local server recorded
it), so both sides ask for exactly the same thing. Each SDK is used the
plain way its documentation shows: a synchronous client and a loop.
With --quick-exit the script ends as sparring's pipe mode does (flush, then
os._exit, skipping the interpreter's teardown), to tell that saving from the
rest of what sparring adds or saves.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

KEY = "sk-bench"


def openai_stream(url: str, body: dict[str, Any]) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key=KEY, max_retries=0)
    for chunk in client.chat.completions.create(**body):
        for choice in chunk.choices:
            if choice.delta.content:
                sys.stdout.write(choice.delta.content)
                sys.stdout.flush()


def ollama_stream(url: str, body: dict[str, Any]) -> None:
    from ollama import Client

    client = Client(host=url)
    arguments = {key: body[key] for key in ("model", "messages", "options") if key in body}
    for part in client.chat(stream=True, **arguments):
        if part.message and part.message.content:
            sys.stdout.write(part.message.content)
            sys.stdout.flush()


def anthropic_stream(url: str, body: dict[str, Any]) -> None:
    from anthropic import Anthropic

    client = Anthropic(base_url=url, api_key=KEY, max_retries=0)
    for event in client.messages.create(**body):
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            sys.stdout.write(event.delta.text)
            sys.stdout.flush()


def main() -> None:
    provider, url, body_file, *flags = sys.argv[1:]
    with open(body_file, encoding="utf-8") as file:
        body = json.load(file)
    {"openai": openai_stream, "ollama": ollama_stream, "anthropic": anthropic_stream}[provider](
        url, body
    )
    sys.stdout.write("\n")
    if "--quick-exit" in flags:
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
