"""Listening sockets for every command that serves (serve, sim, mock): one way to bind.

Kept apart from `gateway` so that `iocgate sim` and `iocgate mock` bind without importing the
engine and the adapters (about 0.4 s of start-up).
"""

from __future__ import annotations

import socket

__all__ = ["listening_socket", "socket_origin"]


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening (raises `OSError` when it cannot be).

    Listening at once, before uvicorn would, makes a URL printed right after connectable; every
    command that serves (serve, sim, mock) binds through here.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


def socket_origin(sock: socket.socket, host: str) -> str:
    """``http://host:port`` of a bound socket (an IPv6 host in brackets)."""
    shown = f"[{host}]" if sock.family == socket.AF_INET6 else host
    return f"http://{shown}:{sock.getsockname()[1]}"
