"""API keys, held so that they cannot be printed or saved by accident, and the one redaction.

A key is held as a `Secret`, whose repr and str are masked. Every key sparring
holds, and every key in an environment variable that names one (the built-in
providers' and each endpoint's `api_key_env`), is also remembered here, so
that `redact` can take it out of any text before it is shown or written: a
gateway that repeats the request's `Authorization` header in an error body
must not put the key on stderr, in the JSON or in the session file. The
funnels that call `redact` are few, and every output passes one of them:
`SparringError` (every message and hint), `Backend.say` (every notice),
`files` (every file written) and the command line's standard streams
(`cli.streams`).
"""

from __future__ import annotations

import os

MASK = "****"
#: Shorter values are not treated as keys: masking every "test" in an answer would
#: garble it, and no service issues keys this short.
MIN_KEY_LENGTH = 8
#: Environment variables whose value is a key, whether or not this run reads it.
KEY_VARIABLES = {
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OLLAMA_API_KEY",  # ollama-python sends it as a bearer token (BaseClient.__init__)
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
}
_held: set[str] = set()


class Secret:
    """A key whose repr and str are masked; `reveal()` is the only way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def remember(value: str) -> None:
    """Redact `value` from everything shown or written from now on (a key from a command)."""
    value = value.strip()
    if len(value) >= MIN_KEY_LENGTH:
        _held.add(value)


def watch_variable(name: str) -> None:
    """Treat the environment variable `name` as holding a key (an endpoint's api_key_env)."""
    KEY_VARIABLES.add(name)


def known_keys() -> list[str]:
    """Every key to redact, longest first (so a key that holds another is masked whole)."""
    keys = set(_held)
    for name in KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if len(value) >= MIN_KEY_LENGTH:
            keys.add(value)
    return sorted(keys, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every known key replaced by ****."""
    for key in known_keys():
        if key in text:
            text = text.replace(key, MASK)
    return text
