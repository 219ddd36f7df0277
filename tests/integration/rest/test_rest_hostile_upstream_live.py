"""A hostile upstream meets bounds (issue #16): deadlines, transfer rates, pool waits, redirect
hops charged, broken answers as 502, and the key redacted from whatever it echoes."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from iocgate.engine import Engine, RetryPolicy, UpstreamClient, UpstreamSettings
from iocgate.engine.stores import MemoryCache, open_quota
from iocgate.exposes.rest import RestOptions
from tests.integration.rest.conftest import LazyGatewayApp
from tests.support.hostile_upstream import HostileState, create_hostile_app, hostile_id
from tests.support.servers import run_server

KEY = "hostile0" + "0123456789abcdef" * 3 + "fedcba98"
SANDBOX = quote(f"{hostile_id('f')}_VirusTotal Jujubox", safe="")


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[str, HostileState]]:
    app = create_hostile_app()
    with run_server(app) as url:
        yield url + "/api/v3", app.state.hostile


@contextlib.contextmanager
def gateway(
    make_engine: Any, upstream: str, *, settings: UpstreamSettings | None = None, **engine: Any
) -> Iterator[str]:
    @contextlib.asynccontextmanager
    async def open_engine() -> AsyncIterator[Engine]:
        client = UpstreamClient(settings or UpstreamSettings(attempt_timeout=3))
        async with make_engine(upstream, KEY, upstream=client, **engine) as opened:
            yield opened

    app = LazyGatewayApp(open_engine, RestOptions())
    with run_server(app) as url:
        try:
            yield url
        finally:
            app.close()


def leaks(text: str) -> bool:
    return KEY in text or KEY[:16] in text or KEY[-16:] in text


def test_an_upstream_echoing_the_key_never_gets_it_returned_or_cached(
    make_engine: Any, hostile: tuple[str, HostileState]
) -> None:
    cache = MemoryCache()
    path = f"/v1/files/{hostile_id('a')}/behaviour_summary"
    with gateway(make_engine, hostile[0], cache=cache) as url:
        answers = [httpx.get(url + path, timeout=10) for _ in range(2)]
        stored = b"".join(entry.body for entry, _ in cache._entries.values())
    assert [a.headers["x-cache"] for a in answers] == ["MISS", "HIT"]
    assert answers[0].json()["data"]["seen_headers"]["x-apikey"] == "[REDACTED]"
    assert not [a.text for a in answers if leaks(a.text)]
    assert stored and not leaks(stored.decode())


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [("b", "not the JSON"), ("d", "not an http(s) URL"), ("e", "larger than 1000000 bytes")],
)
def test_broken_upstream_answers_are_502_and_never_passed_on(
    make_engine: Any, hostile: tuple[str, HostileState], mode: str, fragment: str
) -> None:
    path = f"/v1/files/{hostile_id(mode)}/behaviour_summary"
    with gateway(make_engine, hostile[0], max_json_bytes=1_000_000) as url:
        answer = httpx.get(url + path, timeout=10)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "BadUpstreamAnswerError"
    assert fragment in answer.json()["error"]["message"]


def test_a_redirect_loop_is_charged_per_hop_and_not_retried(
    make_engine: Any, hostile: tuple[str, HostileState], tmp_path: Path
) -> None:
    url_, state = hostile
    quota = open_quota("7/min", "memory", tmp_path, max_wait=0)
    with gateway(make_engine, url_, quota=quota, retry=RetryPolicy(attempts=5)) as url:
        before = state.requests
        looped = httpx.get(f"{url}/v1/files/{hostile_id('c')}/behaviour_summary", timeout=30)
        sent = state.requests - before
        echo = f"{url}/v1/files/{hostile_id('a')}/behaviour_summary"
        after = [httpx.get(echo, timeout=10).status_code for _ in range(2)]
    assert looped.status_code == 502 and "redirected more than 5" in looped.text
    assert sent == 6  # the request and five hops: once, not once per retry
    assert after == [200, 429]  # six units spent by the loop, one left of seven


def test_a_dripping_upstream_answers_504_at_the_attempt_deadline(
    make_engine: Any, hostile: tuple[str, HostileState]
) -> None:
    path = f"/v1/files/{hostile_id('f')}/behaviour_summary"
    with gateway(make_engine, hostile[0]) as url:
        started = time.monotonic()
        answer = httpx.get(url + path, timeout=30)
        took = time.monotonic() - started
    assert answer.status_code == 504
    assert "deadline" in answer.json()["error"]["message"]
    assert 2.5 < took < 8


def test_an_artefact_below_the_minimum_transfer_rate_is_cut(
    make_engine: Any, hostile: tuple[str, HostileState]
) -> None:
    settings = UpstreamSettings(min_transfer_rate=100, rate_grace=1.5)
    with gateway(make_engine, hostile[0], settings=settings) as url:
        started = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{url}/v1/file_behaviours/{SANDBOX}/pcap", timeout=30)
        took = time.monotonic() - started
    assert took < 6


def test_the_upstream_call_stops_when_its_client_leaves(
    make_engine: Any, hostile: tuple[str, HostileState]
) -> None:
    url_, state = hostile
    settings = UpstreamSettings(attempt_timeout=60)
    with gateway(make_engine, url_, settings=settings) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{url}/v1/files/{hostile_id('f')}/behaviours", timeout=1.5)
        assert state.dripping == 1
        deadline = time.monotonic() + 5
        while state.dripping and time.monotonic() < deadline:
            time.sleep(0.1)
        assert state.dripping == 0


def test_a_full_pool_makes_the_next_call_wait_a_bounded_time(
    make_engine: Any, hostile: tuple[str, HostileState]
) -> None:
    settings = UpstreamSettings(attempt_timeout=60, connect_timeout=1, max_connections=2)
    stuck = [f"/v1/files/{hostile_id('f')}/{kind}" for kind in ("behaviours", "behaviour_summary")]
    with gateway(make_engine, hostile[0], settings=settings) as url:
        port = int(url.rsplit(":", 1)[1])
        held = []
        for path in stuck:  # each holds one of the two upstream connections
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            held.append(sock)
        try:
            time.sleep(0.5)
            started = time.monotonic()
            answer = httpx.get(
                f"{url}/v1/files/{hostile_id('a')}/behaviour_mitre_trees", timeout=30
            )
            took = time.monotonic() - started
        finally:
            for sock in held:
                sock.close()
    assert answer.status_code == 504
    assert "free connection" in answer.json()["error"]["message"]
    assert took < 5
