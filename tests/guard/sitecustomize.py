"""A socket guard for the local-only tests: no connection may leave 127.0.0.1.

Put this folder on PYTHONPATH and set SPARRING_SOCKET_GUARD_LOG to a file:
every attempt to connect to (or look up) an address that is not loopback or
a Unix socket is written there, and fails at once.
"""

from __future__ import annotations

import ipaddress
import os
import socket

_LOG = os.environ.get("SPARRING_SOCKET_GUARD_LOG")


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return True  # Unix sockets and the like never leave the machine
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{what}\n")
    raise OSError(f"socket guard: {what} would leave this machine")


if _LOG:
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):  # type: ignore[index]
            _refuse(f"connect {address}")
        return _connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):  # type: ignore[index]
            _refuse(f"connect {address}")
        return _connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if not _loopback(host if not isinstance(host, bytes) else host.decode()):
            _refuse(f"look up {host!r}")
        return _getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
