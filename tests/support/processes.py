"""Run iocgate commands as real processes: free ports, readiness, clean environments."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

__all__ = ["clean_env", "free_port", "mock_process", "running", "sim_process", "wait_http"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment without any VirusTotal key or iocgate setting, state under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRUSTOTAL_", "IOCGATE_"))}
    env["XDG_CACHE_HOME"] = str(tmp)
    env.update(extra)
    return env


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout} s")
        time.sleep(0.05)


@contextlib.contextmanager
def running(
    args: list[str], env: Mapping[str, str], *, stderr_path: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``iocgate ARGS`` as a process; terminated (then killed) when the block exits."""
    err = stderr_path.open("wb") if stderr_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "iocgate", *args],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=err,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()
        if stderr_path and not isinstance(err, int):
            err.close()


@contextlib.contextmanager
def sim_process(env: Mapping[str, str], *extra: str) -> Iterator[str]:
    """``iocgate sim --port 0`` in its own process; yields its ``/api/v3`` URL."""
    with running(["sim", "--port", "0", "--json", *extra], env) as process:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        url = json.loads(line)["url"]
        yield url


@contextlib.contextmanager
def mock_process(env: Mapping[str, str], *openapi_files: Path) -> Iterator[dict[str, str]]:
    """``iocgate mock FILES --port 0`` in its own process; yields {"title/version": base URL}."""
    with running(["mock", *map(str, openapi_files), "--port", "0", "--json"], env) as process:
        assert process.stdout is not None
        services: dict[str, str] = json.loads(process.stdout.readline().decode())["services"]
        yield services
