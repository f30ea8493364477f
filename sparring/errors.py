"""Every failure sparring reports, each with its exit code and a hint.

    SparringError                 1   base class; never raised directly
    ├── UsageError                2   bad command line
    │   ├── ConfigError           2   config file unreadable or of the wrong shape
    │   │   └── PromptError       2   prompt file unreadable or of the wrong shape
    │   ├── EgressRefused         2   the context may not leave the machine (no, or no one to ask)
    │   └── DownloadDeclined      2   a large download was not confirmed (no, or no one to ask)
    ├── BadInput                 65   input that cannot be used (not UTF-8, too large, a scan,
    │   │                              a kind of file sparring cannot read)
    │   ├── SessionFormatError   65   a file that is not a session sparring can read
    │   │   └── NewerFormat      65   a session written by a newer sparring
    │   ├── ContextTooLong       65   the draft does not fit the model's context window
    │   └── AnswerRefused        65   the model declined to answer
    ├── NoInput                  66   no context at all (empty stdin, missing file)
    ├── ProviderUnavailable      69   backend not reachable
    │   └── ModelNotFound        69   backend reachable, model missing
    ├── ReaderMissing            69   the reader of a kind of document is not installed
    ├── CannotSave               73   the sessions dir cannot be written
    ├── TemporaryFailure         75   retries spent, or a stream cut short
    │   ├── StreamInterrupted    75   the answer ended before its final marker
    │   ├── AnswerCut            75   the answer hit the token limit, or its thinking looped
    │   └── DownloadCorrupt      75   a pulled file does not match the hub's checksum (removed)
    ├── AuthenticationFailed     77   missing or rejected API key
    └── Interrupted             130   the user pressed Ctrl-C

The exit codes follow sysexits.h, as mail tools and `llm` users expect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.secret import redact
from sparring.visible import encodable

if TYPE_CHECKING:
    from sparring.providers.base import Usage


class SparringError(Exception):
    """A failure with a one-line message, a hint for the fix, and an exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        # Every message may end up on a screen, in the JSON or in a session file: a key
        # a server echoed is taken out here, once for all of them, and a message is one
        # line whatever it quotes (an error page, a config key with a newline in it).
        message = _one_line(encodable(redact(message)))
        hint = _one_line(encodable(redact(hint))) if hint is not None else None
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: The figures of the answer it cut short, when a stream failed (see Backend.stream).
        self.usage: Usage | None = None

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        """The message and its hint, as shown on stderr and in the TUI."""
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(SparringError):
    exit_code = 2


class ConfigError(UsageError):
    pass


class PromptError(ConfigError):
    pass


class EgressRefused(UsageError):
    """The context was not sent: the writer said no, or could not be asked."""


class DownloadDeclined(UsageError):
    """A multi-GB download was not started: the writer said no, or could not be asked."""


class BadInput(SparringError):
    exit_code = 65


class SessionFormatError(BadInput):
    """A file that is not a session sparring can read."""


class NewerFormat(SessionFormatError):
    """A session file written by a newer sparring: read it with that one; never overwrite it."""


class ContextTooLong(BadInput):
    """The prompt and the answer's budget do not fit the model's context window."""


class AnswerRefused(BadInput):
    """The model declined to answer (a refusal stop reason)."""


class NoInput(SparringError):
    exit_code = 66


class ProviderUnavailable(SparringError):
    exit_code = 69


class ModelNotFound(ProviderUnavailable):
    pass


class ReaderMissing(SparringError):
    """A document whose reader is an optional extra that is not installed.

    69, as for a missing embedded model: sysexits' EX_UNAVAILABLE is "a support
    program does not exist"; the input itself may be fine.
    """

    exit_code = 69


class CannotSave(SparringError):
    exit_code = 73


class TemporaryFailure(SparringError):
    exit_code = 75

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        #: True for 429 and 5xx answers: safe to ask again if no text has come yet.
        self.retryable = retryable
        #: Seconds the server asked us to wait (Retry-After), if it said.
        self.retry_after = retry_after


class StreamInterrupted(TemporaryFailure):
    pass


class AnswerCut(TemporaryFailure):
    """The answer stopped at the token limit, or its thinking went in circles."""


class DownloadCorrupt(TemporaryFailure):
    """A downloaded file whose checksum is not the hub's; it has been removed, so a retry starts
    afresh."""


class AuthenticationFailed(SparringError):
    exit_code = 77


class Interrupted(SparringError):
    exit_code = 130


def _one_line(text: str) -> str:
    if "\n" not in text and "\r" not in text:
        return text
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def did_you_mean(name: str, choices: list[str]) -> str | None:
    """The closest of `choices` to a mistyped `name`, phrased as a hint, or None."""
    if not choices:
        return None
    from rapidfuzz import fuzz, process

    match = process.extractOne(name, choices, scorer=fuzz.WRatio, score_cutoff=60)
    if match is None:
        return None
    return f"did you mean '{match[0]}'?"
