"""What every response carries (request id, demo header, cache and quota headers), the probes,
the access log, and the gateway's own failures."""

from __future__ import annotations

import logging

import pytest

from iocgate.engine import QuotaStatus
from iocgate.engine.stores import MemoryCache
from iocgate.errors import QuotaExceededError
from iocgate.exposes.rest import RestOptions
from iocgate.sim import DEMO_PRIVILEGED_KEY
from tests.integration.rest.conftest import Gateway, GatewayFactory


class FixedQuota:
    """A quota that grants every call and reports a fixed budget."""

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus:
        return QuotaStatus(policy="public", remaining_minute=3, remaining_day=497)

    async def status(self) -> QuotaStatus:
        return QuotaStatus(policy="public", remaining_minute=3, remaining_day=497)

    async def aclose(self) -> None:
        return None


class SpentQuota(FixedQuota):
    """A quota whose budget is spent for the next 12.3 seconds."""

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus:
        raise QuotaExceededError("the public quota is spent", retry_after=12.3)


class BrokenQuota(FixedQuota):
    """A quota that fails in a way nobody planned for, with the key in its message."""

    async def acquire(
        self, client_id: str | None = None, *, max_wait: float | None = None
    ) -> QuotaStatus:
        raise RuntimeError(f"store exploded while holding {DEMO_PRIVILEGED_KEY}")


def test_a_client_request_id_is_echoed_and_a_missing_one_is_generated(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviour_summary"
    echoed = gateway.get(path, headers={"X-Request-ID": "trace-42.a"})
    generated = gateway.get(path)
    refused = gateway.get(path, headers={"X-Request-ID": "bad id with spaces"})
    not_found = gateway.get("/nowhere", headers={"X-Request-ID": "trace-43"})
    assert echoed.headers["x-request-id"] == "trace-42.a"
    assert len(generated.headers["x-request-id"]) == 32
    assert refused.headers["x-request-id"] != "bad id with spaces"
    assert not_found.headers["x-request-id"] == "trace-43"


def test_the_request_id_reaches_the_engine_log_line(
    gateway: Gateway, report_ids: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="iocgate.upstream"):
        gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours", headers={"X-Request-ID": "r-7"})
    upstream_lines = [r for r in caplog.records if r.name == "iocgate.upstream"]
    assert upstream_lines
    assert {getattr(r, "request_id", None) for r in upstream_lines} == {"r-7"}


def test_demo_mode_marks_every_response(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    paths = [
        f"/v1/files/{report_ids['sha256']}/behaviours",
        f"/v1/files/{'0' * 64}/behaviours",
        "/v1/files/bad/behaviours",
        "/nowhere",
        "/healthz",
        "/readyz",
        "/openapi.json",
        "/docs",
        "/docs/static/swagger-ui.css",
    ]
    with start_gateway(options=RestOptions(demo=True)) as gateway:
        headers = {path: gateway.get(path).headers for path in paths}
        deleted = gateway.client.delete(gateway.url + "/healthz").headers
    assert {path: h.get("x-iocgate-demo") for path, h in headers.items()} == dict.fromkeys(
        paths, "true"
    )
    assert deleted.get("x-iocgate-demo") == "true"


def test_without_demo_mode_there_is_no_demo_header(gateway: Gateway) -> None:
    assert "x-iocgate-demo" not in gateway.get("/healthz").headers


def test_the_second_identical_call_is_a_cache_hit_with_age(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviour_summary"
    with start_gateway(cache=MemoryCache()) as gateway:
        first = gateway.get(path)
        second = gateway.get(path)
        refreshed = gateway.get(path, headers={"Cache-Control": "no-cache"})
        bypassed = gateway.get(path, headers={"Cache-Control": "no-store"})
        upstream_calls = gateway.sim.count()
    assert first.headers["x-cache"] == "MISS"
    assert "age" not in first.headers
    assert second.headers["x-cache"] == "HIT"
    assert int(second.headers["age"]) >= 0
    assert second.json() == first.json()
    assert refreshed.headers["x-cache"] == "MISS"
    assert bypassed.headers["x-cache"] == "BYPASS"
    assert upstream_calls == 3


def test_quota_headers_state_the_remaining_budget(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    with start_gateway(quota=FixedQuota()) as gateway:
        response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
    assert response.headers["x-quota-policy"] == "public"
    assert response.headers["x-quota-remaining-minute"] == "3"
    assert response.headers["x-quota-remaining-day"] == "497"


def test_a_spent_gateway_quota_is_429_with_retry_after(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    with start_gateway(quota=SpentQuota()) as gateway:
        response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
        upstream_calls = gateway.sim.count()
    assert response.status_code == 429
    assert response.headers["retry-after"] == "13"
    assert response.json() == {
        "error": {"code": "QuotaExceededError", "message": "the public quota is spent"}
    }
    assert upstream_calls == 0


def test_an_unexpected_failure_is_a_generic_500_and_the_log_never_shows_the_key(
    start_gateway: GatewayFactory, report_ids: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO), start_gateway(quota=BrokenQuota()) as gateway:
        response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalError"
    assert DEMO_PRIVILEGED_KEY not in response.text
    assert "store exploded" in caplog.text
    assert DEMO_PRIVILEGED_KEY not in caplog.text


def test_one_access_log_line_per_request_without_the_query(
    gateway: Gateway, report_ids: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = report_ids["sandbox_id"].replace(" ", "%20")
    path = f"/v1/file_behaviours/{sandbox}/contacted_domains"
    cursor = gateway.get(path + "?limit=2").json()["meta"]["cursor"]
    with caplog.at_level(logging.INFO, logger="iocgate.access"):
        gateway.get(f"{path}?limit=2&cursor={cursor}", headers={"X-Request-ID": "log-1"})
    lines = [r for r in caplog.records if r.name == "iocgate.access"]
    assert len(lines) == 1
    record = lines[0]
    assert (record.method, record.path, record.status) == ("GET", path, 200)  # type: ignore[attr-defined]
    assert record.request_id == "log-1"  # type: ignore[attr-defined]
    assert record.cache in ("MISS", "BYPASS")  # type: ignore[attr-defined]
    assert cursor not in record.getMessage()


def test_healthz_answers_while_the_process_runs(gateway: Gateway) -> None:
    response = gateway.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_a_key(gateway: Gateway) -> None:
    response = gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_includes_the_extra_probe_and_obeys_its_verdict(
    start_gateway: GatewayFactory,
) -> None:
    options = RestOptions(ready=lambda: {"ready": False, "reason": "cache warming", "size": 3})
    with start_gateway(options=options) as gateway:
        response = gateway.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["cache warming"]
    assert response.json()["details"] == {"size": 3}
