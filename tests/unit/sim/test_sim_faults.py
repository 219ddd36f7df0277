"""Injected faults and the /_sim control routes, driven in-process."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette

from iocgate.sim import (
    DEMO_PRIVILEGED_KEY,
    DEMO_PUBLIC_KEY,
    Faults,
    SimSettings,
    SimState,
    create_app,
)

pytestmark = pytest.mark.anyio

MISSING = "/api/v3/files/abc/behaviours"


async def test_fail_next_fails_exactly_that_many_requests_with_transient_error(
    client: httpx.AsyncClient, state: SimState
) -> None:
    state.faults.fail_next = 2
    statuses = [(await client.get(MISSING)).status_code for _ in range(3)]
    assert statuses == [503, 503, 404]
    failed = [r for r in state.requests if r.status == 503]
    assert len(failed) == 2


async def test_fail_next_status_504_is_deadline_exceeded_in_virustotal_shape(
    client: httpx.AsyncClient, state: SimState
) -> None:
    state.faults = Faults(fail_next=1, fail_next_status=504)
    response = await client.get(MISSING)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "DeadlineExceededError"


async def test_a_status_virustotal_has_no_code_for_comes_back_as_html(
    client: httpx.AsyncClient, state: SimState
) -> None:
    state.faults = Faults(fail_next=1, fail_next_status=502)
    response = await client.get(MISSING)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


async def test_fail_next_status_zero_drops_the_connection(
    client: httpx.AsyncClient, state: SimState
) -> None:
    state.faults = Faults(fail_next=1, fail_next_status=0)
    with pytest.raises(ConnectionResetError):
        await client.get(MISSING)
    assert state.requests[-1].status == 0
    assert (await client.get(MISSING)).status_code == 404


async def test_faults_come_before_the_key_check(sim_app: Starlette, state: SimState) -> None:
    state.faults = Faults(fail_next=1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app), base_url="http://sim.test"
    ) as http:
        assert (await http.get(MISSING)).status_code == 503
        assert (await http.get(MISSING)).status_code == 401


async def test_error_rate_is_reproducible_from_the_seed(
    client: httpx.AsyncClient, state: SimState
) -> None:
    state.faults = Faults(error_rate=0.3, deadline_rate=0.2)
    first = [(await client.get(MISSING)).status_code for _ in range(60)]
    state.reset()
    second = [(await client.get(MISSING)).status_code for _ in range(60)]
    assert first == second
    assert set(first) == {404, 503, 504}
    assert 8 <= first.count(503) <= 30


async def test_truncated_body_promises_more_bytes_than_it_sends(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    state.faults = Faults(truncate_rate=1)
    response = await client.get(f"/api/v3/files/{rich.sha256}/behaviour_summary")
    assert response.status_code == 200
    assert 0 < len(response.content) < int(response.headers["content-length"])


async def test_latency_delays_api_requests_but_not_control_routes(
    client: httpx.AsyncClient, state: SimState
) -> None:
    state.faults = Faults(latency_ms=150)
    started = time.perf_counter()
    await client.get(MISSING)
    assert time.perf_counter() - started >= 0.14
    started = time.perf_counter()
    assert (await client.get("/_sim/faults")).json()["latency_ms"] == 150
    assert time.perf_counter() - started < 0.14


async def test_slow_body_dribbles_out_at_the_configured_rate(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = state.corpus.pick("poor").reports[0]
    state.faults = Faults(slow_body_bytes_per_second=4000)
    started = time.perf_counter()
    response = await client.get(f"/api/v3/file_behaviours/{report.id}")
    elapsed = time.perf_counter() - started
    assert response.json()["data"]["id"] == report.id
    assert elapsed >= 0.8 * len(response.content) / 4000


async def test_faults_given_in_settings_apply_from_the_first_request() -> None:
    app = create_app(SimSettings(faults=Faults(fail_next=1, fail_next_status=429)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sim.test",
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    ) as http:
        response = await http.get(MISSING)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "TooManyRequestsError"


async def test_control_route_changes_faults_partially_and_reports_them(
    client: httpx.AsyncClient, state: SimState
) -> None:
    changed = await client.put("/_sim/faults", json={"error_rate": 1.0, "latency_ms": 5})
    assert changed.status_code == 200
    assert changed.json()["error_rate"] == 1.0
    assert changed.json()["fail_next_status"] == 503
    assert state.faults.error_rate == 1.0
    assert (await client.get(MISSING)).status_code == 503
    assert (await client.get("/_sim/faults")).json() == changed.json()


@pytest.mark.parametrize(
    "body",
    [{"error_rate": 2}, {"nonsense": 1}, {"fail_next": "three"}, {"fail_next_status": 99}, [1]],
)
async def test_control_route_rejects_bad_faults_and_keeps_the_old_ones(
    client: httpx.AsyncClient, state: SimState, body: object
) -> None:
    response = await client.put("/_sim/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgumentError"
    assert state.faults == Faults()


async def test_request_log_keeps_the_raw_path_query_key_and_status(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = state.corpus.pick("rich").reports[0]
    await client.get(f"/api/v3/file_behaviours/{quote(report.id)}/contacted_ips?limit=2")
    await client.get(MISSING, headers={"x-apikey": DEMO_PUBLIC_KEY})
    first, second = state.requests
    assert first.path == f"/api/v3/file_behaviours/{quote(report.id)}/contacted_ips"
    assert "%20" in first.path
    assert (first.method, first.query, first.key, first.status) == (
        "GET",
        "limit=2",
        DEMO_PRIVILEGED_KEY,
        200,
    )
    assert (second.key, second.status) == (DEMO_PUBLIC_KEY, 404)
    assert state.count() == 2
    for prefix in (
        f"/api/v3/file_behaviours/{report.id}",
        f"/file_behaviours/{quote(report.id)}",
        "/file_behaviours",
    ):
        assert state.count(prefix) == 1, prefix
    assert state.count("/files/") == 1


async def test_control_requests_route_lists_filters_and_clears_log_and_quota(
    sim_app: Starlette, state: SimState
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app),
        base_url="http://sim.test",
        headers={"x-apikey": DEMO_PUBLIC_KEY},
    ) as http:
        for _ in range(4):
            await http.get(MISSING)
        assert (await http.get(MISSING)).status_code == 429
        listing = (await http.get("/_sim/requests", params={"path_prefix": "/files"})).json()
        assert listing["count"] == 5
        assert listing["requests"][0]["path"] == MISSING
        assert (await http.delete("/_sim/requests")).json() == {"cleared": 5}
        assert state.count() == 0
        assert (await http.get(MISSING)).status_code == 404


async def test_control_corpus_route_serves_the_listing(
    client: httpx.AsyncClient, state: SimState
) -> None:
    listing = (await client.get("/_sim/corpus")).json()
    assert listing == state.corpus.describe()
    assert state.count() == 0
