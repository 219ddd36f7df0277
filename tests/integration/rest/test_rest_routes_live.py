"""The ten routes over a real socket: what reaches the simulator, specificity, ids, 404/405."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.integration.rest.conftest import Gateway


def encoded(value: str) -> str:
    return quote(value, safe="")


def test_every_route_answers_through_the_gateway(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sha, sandbox = report_ids["sha256"], encoded(report_ids["sandbox_id"])
    expected = {
        f"/v1/file_behaviours/{sandbox}": "application/json",
        f"/v1/file_behaviours/{sandbox}/evtx": "application/zip",
        f"/v1/file_behaviours/{sandbox}/html": "text/html",
        f"/v1/file_behaviours/{sandbox}/memdump": "application/octet-stream",
        f"/v1/file_behaviours/{sandbox}/pcap": "application/vnd.tcpdump.pcap",
        f"/v1/file_behaviours/{sandbox}/relationships/contacted_domains": "application/json",
        f"/v1/file_behaviours/{sandbox}/attack_techniques": "application/json",
        f"/v1/files/{sha}/behaviour_mitre_trees": "application/json",
        f"/v1/files/{sha}/behaviour_summary": "application/json",
        f"/v1/files/{sha}/behaviours": "application/json",
    }
    for path, content_type in expected.items():
        response = gateway.get(path)
        assert response.status_code == 200, (path, response.text[:200])
        assert response.headers["content-type"].startswith(content_type), path
        assert response.headers["x-cache"] in ("MISS", "BYPASS")
        assert gateway.sim.requests[-1].path == "/api/v3" + path.removeprefix("/v1")
    assert gateway.sim.count() == len(expected)


def test_a_json_answer_is_the_upstream_body(gateway: Gateway, report_ids: dict[str, str]) -> None:
    sha = report_ids["sha256"]
    through = gateway.get(f"/v1/files/{sha}/behaviour_summary")
    direct = gateway.client.get(
        f"{gateway.upstream}/files/{sha}/behaviour_summary", headers={"x-apikey": gateway.key}
    )
    assert through.headers["content-type"] == "application/json"
    assert through.json() == direct.json()


def test_an_artefact_name_is_the_artefact_and_not_a_relationship(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox = encoded(report_ids["sandbox_id"])
    response = gateway.get(f"/v1/file_behaviours/{sandbox}/evtx")
    assert response.status_code == 200
    assert response.content.startswith(b"PK")  # the zipped EVTX, not a JSON collection
    assert gateway.sim.requests[-1].path.endswith("/evtx")


def test_the_descriptor_route_wins_over_a_relationship_named_relationships(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox = encoded(report_ids["sandbox_id"])
    descriptors = gateway.get(f"/v1/file_behaviours/{sandbox}/relationships/attack_techniques")
    assert descriptors.status_code == 200
    assert gateway.sim.requests[-1].path.endswith(f"{sandbox}/relationships/attack_techniques")
    first = descriptors.json()["data"][0]
    assert set(first) <= {"type", "id", "context_attributes"}


def test_a_sandbox_id_with_a_space_reaches_the_upstream_percent_encoded_once(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox_id = report_ids["sandbox_id"]
    assert " " in sandbox_id
    response = gateway.get(f"/v1/file_behaviours/{encoded(sandbox_id)}")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == sandbox_id
    assert gateway.sim.requests[-1].path == f"/api/v3/file_behaviours/{encoded(sandbox_id)}"


@pytest.mark.parametrize(
    "suffix",
    [
        "%2Fevil",  # a '/' inside the id, encoded by the client
        "%252Fevil",  # a literal '%2F' inside the id
        "%2F..%2F..%2Ffiles",
        "%00",
    ],
)
def test_an_id_hiding_a_path_is_refused_before_any_upstream_call(
    gateway: Gateway, report_ids: dict[str, str], suffix: str
) -> None:
    response = gateway.get(f"/v1/file_behaviours/{encoded(report_ids['sandbox_id'])}{suffix}/pcap")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgumentError"
    assert "sandbox_id" in response.json()["error"]["message"]
    assert gateway.sim.count() == 0


def test_dot_dot_as_an_id_is_refused_whether_sent_raw_or_encoded(gateway: Gateway) -> None:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(gateway.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", "/v1/file_behaviours/../pcap")  # sent verbatim, not resolved
        raw = connection.getresponse()
        raw_status = raw.status
        raw.read()
    finally:
        connection.close()
    encoded_dots = gateway.get("/v1/file_behaviours/%2E%2E/pcap")
    assert raw_status == 400
    assert encoded_dots.status_code == 400
    assert gateway.sim.count() == 0


def test_a_bad_hash_names_the_parameter_and_what_is_allowed(gateway: Gateway) -> None:
    response = gateway.get("/v1/files/not-a-hash/behaviours")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "id" in message and "SHA-256" in message
    assert gateway.sim.count() == 0


def test_a_limit_that_is_not_an_integer_is_an_invalid_argument(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox = encoded(report_ids["sandbox_id"])
    response = gateway.get(f"/v1/file_behaviours/{sandbox}/contacted_domains?limit=many")
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["message"]
    assert gateway.sim.count() == 0


def test_an_unknown_query_parameter_is_refused_naming_the_allowed_ones(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox = encoded(report_ids["sandbox_id"])
    response = gateway.get(f"/v1/file_behaviours/{sandbox}/contacted_domains?limt=5")
    assert response.status_code == 400
    assert "allowed: cursor, limit" in response.json()["error"]["message"]
    assert gateway.sim.count() == 0


def test_query_parameters_reach_the_upstream(gateway: Gateway, report_ids: dict[str, str]) -> None:
    sandbox = encoded(report_ids["sandbox_id"])
    response = gateway.get(f"/v1/file_behaviours/{sandbox}/contacted_domains?limit=2")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 2
    assert gateway.sim.requests[-1].query == "limit=2"


def test_an_unknown_path_is_a_not_found_error(gateway: Gateway) -> None:
    response = gateway.get("/v1/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFoundError"


def test_a_trailing_slash_is_not_found_rather_than_redirected(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    response = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours/")
    assert response.status_code == 404
    assert gateway.sim.count() == 0


def test_a_wrong_method_is_405_with_allow(gateway: Gateway, report_ids: dict[str, str]) -> None:
    response = gateway.client.delete(f"{gateway.url}/v1/files/{report_ids['sha256']}/behaviours")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "MethodNotAllowedError"
    assert gateway.sim.count() == 0


def test_head_answers_like_get_without_a_body(gateway: Gateway, report_ids: dict[str, str]) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviour_summary"
    got = gateway.get(path)
    head = gateway.client.head(f"{gateway.url}{path}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))
