"""A real `redis-server` for the tests: started once per session on a free port, then stopped.

redis-server cannot bind port 0 and report it, so a free port is picked first (and another
one if the server could not bind it). Persistence is off (``--save ''``, ``--appendonly no``)
and its working directory is a temporary one. Without the binary the Redis tests skip
locally but fail under ``CI=true``: `make test` installs it (scripts/ensure-system-deps.sh),
so a missing binary there is a broken set-up, not a reason to skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

__all__ = ["RedisServer", "redis_server", "start_redis"]


@dataclass(frozen=True)
class RedisServer:
    """A running server: ``url`` is ``redis://127.0.0.1:<port>/0``."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers_ping(port):
            return True
        try:
            process.wait(timeout=0.05)  # doubles as the pause between pings
        except subprocess.TimeoutExpired:
            continue
        return False  # it exited: most likely the port was taken meanwhile
    return False


@contextlib.contextmanager
def start_redis(binary: str = "redis-server", *, timeout: float = 10.0) -> Iterator[RedisServer]:
    """Run ``redis-server`` on a free port in a temporary directory until the block exits."""
    with tempfile.TemporaryDirectory(prefix="iocgate-redis-") as workdir:
        for _ in range(5):
            port = _free_port()
            process = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", workdir],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                if _wait_until_ready(process, port, timeout):
                    yield RedisServer("127.0.0.1", port)
                    return
            finally:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        raise RuntimeError(f"{binary} did not start on a free port")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server for the whole session (skips, or fails under CI, when not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (scripts/ensure-system-deps.sh installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with start_redis(binary) as server:
        yield server
