"""Finding API keys: from the environment, or from a command named in the config."""

from __future__ import annotations

import os
import shlex
import subprocess

from sparring.errors import AuthenticationFailed
from sparring.secret import Secret


def key_from_env(variable: str) -> Secret | None:
    value = os.environ.get(variable, "").strip()
    return Secret(value) if value else None


def key_from_command(command: str, *, timeout: float = 20.0) -> Secret:
    """Run `command` (e.g. a password manager) and take its first line of output as the key."""
    try:
        done = subprocess.run(
            shlex.split(command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AuthenticationFailed(
            f"the key command `{shlex.split(command)[0]}` failed: {error}",
            hint="check api_key_command in config.toml",
        ) from None
    key = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    if done.returncode != 0 or not key:
        raise AuthenticationFailed(
            f"the key command `{shlex.split(command)[0]}` gave no key (exit {done.returncode})",
            hint="check api_key_command in config.toml",
        )
    return Secret(key)
