"""Upstream errors pass through verbatim; the gateway's own errors share VirusTotal's shape."""

from __future__ import annotations

import socket
from urllib.parse import quote

import httpx

from iocgate.engine import RetryPolicy
from iocgate.sim import DEMO_PUBLIC_KEY, Faults
from tests.integration.rest.conftest import Gateway, GatewayFactory


def upstream_answer(gateway: Gateway, path: str, key: str) -> httpx.Response:
    return gateway.client.get(gateway.upstream + path, headers={"x-apikey": key})


def test_an_unknown_file_is_the_upstreams_not_found_error_word_for_word(gateway: Gateway) -> None:
    missing = "0" * 64
    response = gateway.get(f"/v1/files/{missing}/behaviour_summary")
    direct = upstream_answer(gateway, f"/files/{missing}/behaviour_summary", gateway.key)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "NotFoundError"
    assert response.content == direct.content


def test_a_wrong_key_is_reported_as_wrong_credentials_error(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    with start_gateway(key="f" * 64) as gateway:
        response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "WrongCredentialsError"
    assert "f" * 64 not in response.text


def test_a_public_key_asking_for_a_pcap_gets_the_forbidden_error(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    sandbox = quote(report_ids["sandbox_id"], safe="")
    with start_gateway(key=DEMO_PUBLIC_KEY) as gateway:
        response = gateway.get(f"/v1/file_behaviours/{sandbox}/pcap")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ForbiddenError"


def test_a_spent_public_quota_is_a_429_quota_exceeded_error(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviour_mitre_trees"
    with start_gateway(key=DEMO_PUBLIC_KEY) as gateway:
        statuses = [
            gateway.get(path).status_code for _ in range(gateway.sim.settings.public_per_minute)
        ]
        refused = gateway.get(path)
    assert statuses == [200] * len(statuses)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "QuotaExceededError"


def test_upstream_503_and_504_pass_through_with_their_codes(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviours"
    answers = {}
    for status in (503, 504):
        gateway.sim.faults = Faults(fail_next=1, fail_next_status=status)
        answers[status] = gateway.get(path)
    assert answers[503].status_code == 503
    assert answers[503].json()["error"]["code"] == "TransientError"
    assert answers[504].status_code == 504
    assert answers[504].json()["error"]["code"] == "DeadlineExceededError"


def test_a_dropped_upstream_connection_is_a_502_upstream_unavailable_error(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    gateway.sim.faults = Faults(fail_next=1, fail_next_status=0)
    response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "UpstreamUnavailableError"


def test_an_upstream_nobody_listens_on_is_a_502_naming_the_operation(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with start_gateway(upstream=f"http://127.0.0.1:{closed_port}/api/v3") as gateway:
        response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
    assert response.status_code == 502
    body = response.json()["error"]
    assert body["code"] == "UpstreamUnavailableError"
    assert "getAllBehaviorReportsForAFile" in body["message"]


def test_retries_recover_from_one_transient_error_unseen_by_the_client(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    retry = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.02, wait_jitter=0)
    with start_gateway(retry=retry) as gateway:
        gateway.sim.faults = Faults(fail_next=1, fail_next_status=503)
        response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours")
        upstream_calls = gateway.sim.count()
    assert response.status_code == 200
    assert upstream_calls == 2
