"""Keys, tiers and quotas: the 401s, 403s and 429s a VirusTotal client has to handle."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from iocgate.sim import (
    DEMO_PRIVILEGED_KEY,
    DEMO_PUBLIC_KEY,
    ERROR_STATUSES,
    SimSettings,
    SimState,
    create_app,
)

pytestmark = pytest.mark.anyio


class FakeClock:
    """Time that only moves when a test says so."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 31, 23, 50, 0, tzinfo=UTC).timestamp())


AppFactory = Callable[..., Starlette]


@pytest.fixture
async def public_client(clock: FakeClock) -> AsyncIterator[tuple[httpx.AsyncClient, SimState]]:
    app = create_app(SimSettings(public_per_minute=3, public_per_day=5), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sim.test", headers={"x-apikey": DEMO_PUBLIC_KEY}
    ) as http:
        yield http, app.state.sim


def test_demo_keys_look_like_real_virustotal_keys() -> None:
    for key in (DEMO_PUBLIC_KEY, DEMO_PRIVILEGED_KEY):
        assert len(key) == 64
        assert set(key) <= set("0123456789abcdef")
    assert DEMO_PUBLIC_KEY != DEMO_PRIVILEGED_KEY


async def test_missing_key_is_authentication_required(sim_app: Starlette) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app), base_url="http://sim.test"
    ) as http:
        response = await http.get("/api/v3/files/abc/behaviours")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {"code": "AuthenticationRequiredError", "message": "X-Apikey header is missing"}
    }


async def test_unknown_key_is_wrong_credentials_whatever_the_header_case(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v3/files/abc/behaviours", headers={"X-APIKEY": "f" * 64})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "WrongCredentialsError", "message": "Wrong API key"}
    }


async def test_unknown_file_is_not_found_naming_the_id(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v3/files/{'a' * 64}/behaviour_summary")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "NotFoundError",
        "message": f'File "{"a" * 64}" not found',
    }


async def test_unknown_report_and_unknown_paths_are_not_found(
    client: httpx.AsyncClient, state: SimState
) -> None:
    sha256 = state.corpus.pick("rich").sha256
    for path in (
        f"/api/v3/file_behaviours/{sha256}_No Such Sandbox",
        f"/api/v3/file_behaviours/{sha256}_No Such Sandbox/contacted_ips",
        "/api/v3/urls/thisurlidmakesnosenseatall",
        "/api/v3",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "NotFoundError"


async def test_wrong_method_is_405_in_virustotal_error_shape(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = state.corpus.pick("rich").reports[0]
    response = await client.delete(f"/api/v3/file_behaviours/{report.id}")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "MethodNotAllowedError"
    assert "GET" in response.headers["allow"]


async def test_public_key_may_read_reports_but_not_download_artefacts(
    public_client: tuple[httpx.AsyncClient, SimState],
) -> None:
    http, state = public_client
    report = state.corpus.pick("rich").reports[0]
    assert (await http.get(f"/api/v3/file_behaviours/{report.id}")).status_code == 200
    for artefact in ("pcap", "evtx"):
        response = await http.get(f"/api/v3/file_behaviours/{report.id}/{artefact}")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "ForbiddenError"


async def test_public_key_gets_429_past_its_minute_quota_with_retry_after(
    public_client: tuple[httpx.AsyncClient, SimState], clock: FakeClock
) -> None:
    http, _ = public_client
    statuses = [(await http.get("/api/v3/files/abc/behaviours")).status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    refused = await http.get("/api/v3/files/abc/behaviours")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "QuotaExceededError"
    assert "per-minute" in error["message"]
    assert refused.headers["retry-after"] == "60"
    clock.now += 60
    assert (await http.get("/api/v3/files/abc/behaviours")).status_code == 404


async def test_public_daily_quota_resets_at_midnight_utc(
    public_client: tuple[httpx.AsyncClient, SimState], clock: FakeClock
) -> None:
    http, _ = public_client
    for _ in range(5):
        await http.get("/api/v3/files/abc/behaviours")
        clock.now += 20  # stays under the minute budget, still 2026-03-31
    refused = await http.get("/api/v3/files/abc/behaviours")
    assert refused.status_code == 429
    assert "daily" in refused.json()["error"]["message"]
    midnight = datetime(2026, 4, 1, tzinfo=UTC).timestamp()
    assert int(refused.headers["retry-after"]) == int(midnight - clock.now)
    clock.now = midnight
    assert (await http.get("/api/v3/files/abc/behaviours")).status_code == 404


async def test_monthly_quota_when_configured_names_itself(clock: FakeClock) -> None:
    app = create_app(SimSettings(public_per_month=2), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sim.test",
        headers={"x-apikey": DEMO_PUBLIC_KEY},
    ) as http:
        for _ in range(2):
            await http.get("/api/v3/files/abc/behaviours")
        refused = await http.get("/api/v3/files/abc/behaviours")
    assert refused.status_code == 429
    assert "monthly" in refused.json()["error"]["message"]


async def test_short_minute_window_for_tests_reopens_quickly(clock: FakeClock) -> None:
    app = create_app(SimSettings(public_per_minute=1, minute_window_seconds=0.5), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sim.test",
        headers={"x-apikey": DEMO_PUBLIC_KEY},
    ) as http:
        await http.get("/api/v3/files/abc/behaviours")
        refused = await http.get("/api/v3/files/abc/behaviours")
        clock.now += 0.5
        reopened = await http.get("/api/v3/files/abc/behaviours")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert reopened.status_code == 404


async def test_privileged_key_has_no_quota(client: httpx.AsyncClient) -> None:
    statuses = {(await client.get("/api/v3/files/abc/behaviours")).status_code for _ in range(12)}
    assert statuses == {404}


async def test_added_keys_get_their_tier(clock: FakeClock) -> None:
    app = create_app(
        SimSettings(public_keys=("p" * 64,), privileged_keys=("q" * 64,), public_per_minute=1),
        clock=clock,
    )
    report = app.state.sim.corpus.pick("rich").reports[0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim.test"
    ) as http:
        public = await http.get(
            f"/api/v3/file_behaviours/{report.id}/pcap", headers={"x-apikey": "p" * 64}
        )
        premium = await http.get(
            f"/api/v3/file_behaviours/{report.id}/pcap", headers={"x-apikey": "q" * 64}
        )
        demo = await http.get("/api/v3/files/abc/behaviours", headers={"x-apikey": DEMO_PUBLIC_KEY})
    assert public.status_code == 403
    assert premium.status_code == 200
    assert demo.status_code == 401


def test_error_table_holds_virustotals_documented_codes_and_statuses() -> None:
    assert ERROR_STATUSES["NotAvailableYet"] == 400
    assert ERROR_STATUSES["QuotaExceededError"] == ERROR_STATUSES["TooManyRequestsError"] == 429
    assert ERROR_STATUSES["TransientError"] == 503
    assert ERROR_STATUSES["DeadlineExceededError"] == 504
    assert ERROR_STATUSES["UserNotActiveError"] == 401


def test_simulator_and_gateway_agree_on_every_shared_error_code() -> None:
    import iocgate.errors as gateway_errors

    shared = 0
    for name in gateway_errors.__all__:
        error_class = getattr(gateway_errors, name)
        if not isinstance(error_class, type):
            continue  # error_body, code_for_status, STATUS_CODES
        if error_class.code in ERROR_STATUSES:
            shared += 1
            assert ERROR_STATUSES[error_class.code] == error_class.status, name
    assert shared >= 8
