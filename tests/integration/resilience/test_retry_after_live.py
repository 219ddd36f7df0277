"""``Retry-After`` from an upstream that spells it ``Retry-After``, as VirusTotal does (#17)."""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Iterator

import pytest
from mcp import Client

from iocgate.engine import RetryPolicy
from iocgate.exposes.mcp import McpOptions, create_mcp_server
from tests.integration.resilience.conftest import LiveEngine
from tests.support.mcp_harness import REST_BASE, build_engine
from tests.support.servers import run_server
from tests.support.spelled_upstream import SpelledUpstream

pytestmark = pytest.mark.anyio

SUMMARY = "get-summary-all-behavior-reports"
SHA = "a" * 64


def serve(upstream: SpelledUpstream) -> Iterator[str]:
    with run_server(upstream, http="h11") as origin:
        yield f"{origin}/api/v3"


async def test_a_capitalised_retry_after_is_waited_out_before_retrying(
    live_engine: LiveEngine,
) -> None:
    upstream = SpelledUpstream(retry_after="1", throttle=1)
    policy = RetryPolicy(attempts=3, wait_initial=0.05, wait_jitter=0.0)
    for url in serve(upstream):
        async with live_engine(url, "k" * 64, retry=policy) as engine:
            operation, tool = engine.find(SUMMARY)
            result = await engine.invoke(operation, {"id": SHA}, call=tool)
    assert result.status == 200
    assert len(upstream.arrivals) == 2
    # The backoff alone would retry after 0.05 s and draw another 429.
    assert upstream.arrivals[1] - upstream.arrivals[0] >= 0.95


async def test_a_retry_after_past_the_deadline_is_passed_on_at_once(
    live_engine: LiveEngine,
) -> None:
    upstream = SpelledUpstream(retry_after="7", throttle=10)
    policy = RetryPolicy(attempts=3, timeout=5.0, wait_initial=0.05, wait_jitter=0.0)
    for url in serve(upstream):
        async with live_engine(url, "k" * 64, retry=policy) as engine:
            operation, tool = engine.find(SUMMARY)
            result = await engine.invoke(operation, {"id": SHA}, call=tool)
    assert result.status == 429
    assert len(upstream.arrivals) == 1  # waiting 7 s cannot fit in a 5 s budget
    assert result.headers.get("retry-after") == "7"  # what REST and MCP tell the client


@pytest.fixture
def far_timezone() -> Iterator[None]:
    """A local time zone far from UTC, where a naive date read as local time is hours off."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("far_timezone")
async def test_mcp_error_states_the_seconds_of_a_capitalised_http_date_retry_after() -> None:
    # "-0000" dates parse as naive datetimes: they are UTC all the same (RFC 9110).
    when = email.utils.formatdate(time.time() + 30)  # "Fri, 04 Dec 2026 20:40:00 -0000"
    upstream = SpelledUpstream(retry_after=when, throttle=10)
    for url in serve(upstream):
        engine = build_engine(url, "k" * 64, retry=RetryPolicy.disabled())
        server = create_mcp_server(engine, McpOptions(rest_base_url=REST_BASE))
        try:
            async with Client(server) as client:
                result = await client.call_tool(SUMMARY, {"id": SHA})
        finally:
            await engine.aclose()
    assert result.is_error
    error = (result.structured_content or {}).get("error", {})
    assert 25 <= error.get("retry_after", -1) <= 31, error
