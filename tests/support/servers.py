"""Run any ASGI app with uvicorn in a background thread on 127.0.0.1, port 0.

Like `serve_in_thread` in httpx's tests/conftest.py: the socket is bound before the thread
starts, so the port is known at once; `yield` only happens once uvicorn is serving.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

__all__ = ["run_server"]


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that reports start-up through a thread-safe event."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    def install_signal_handlers(self) -> None:  # pragma: no cover - not the main thread anyway
        pass


@contextlib.contextmanager
def run_server(
    app: Any, *, host: str = "127.0.0.1", timeout: float = 10.0, http: str = "auto"
) -> Iterator[str]:
    """Serve `app` until the block exits; yields its base URL, e.g. `http://127.0.0.1:43121`.

    ``http="h11"`` sends header names as the app spells them (httptools lower-cases them).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1, http=http
    )
    server = _ThreadServer(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{port}", daemon=True
    )
    thread.start()
    try:
        if not server.ready.wait(timeout):
            raise RuntimeError(f"uvicorn did not start on {host}:{port} within {timeout} s")
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
