"""Over a real socket: dropped connections, cut bodies, redirects, links with the bound port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, SimSettings, SimState, create_app
from tests.support.servers import run_server
from tests.support.sim_fixtures import SimServer


@pytest.fixture
def server(sim_server: SimServer, sim_state_reset: SimState) -> SimServer:
    return sim_server


@pytest.fixture
def http(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.origin, headers={"x-apikey": DEMO_PRIVILEGED_KEY}) as client:
        yield client


def test_injected_reset_reaches_httpx_as_a_transport_error(
    server: SimServer, http: httpx.Client
) -> None:
    http.put("/_sim/faults", json={"fail_next": 1, "fail_next_status": 0})
    with pytest.raises(httpx.TransportError):
        http.get("/api/v3/files/abc/behaviours")
    assert http.get("/api/v3/files/abc/behaviours").status_code == 404
    assert [r.status for r in server.state.requests] == [0, 404]


def test_reset_rate_one_drops_every_api_request(server: SimServer, http: httpx.Client) -> None:
    http.put("/_sim/faults", json={"reset_rate": 1})
    for _ in range(3):
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            http.get("/api/v3/files/abc/behaviours")
    assert http.get("/_sim/requests").json()["count"] == 3


def test_truncated_body_is_a_protocol_error_for_httpx(
    server: SimServer, http: httpx.Client
) -> None:
    rich = server.corpus.pick("rich")
    http.put("/_sim/faults", json={"truncate_rate": 1})
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        http.get(f"/api/v3/files/{rich.sha256}/behaviour_summary")
    http.put("/_sim/faults", json={"truncate_rate": 0})
    assert http.get(f"/api/v3/files/{rich.sha256}/behaviour_summary").status_code == 200


def test_links_use_the_host_and_port_the_client_used(server: SimServer, http: httpx.Client) -> None:
    report = server.corpus.pick("rich").reports[0]
    body = http.get(f"/api/v3/file_behaviours/{report.id}/contacted_domains?limit=2").json()
    assert body["links"]["next"].startswith(f"{server.url}/file_behaviours/{report.id}/")
    following = http.get(body["links"]["next"])
    assert following.status_code == 200
    assert following.json()["data"][0]["id"] != body["data"][0]["id"]


def test_redirected_artefact_reveals_whether_the_client_sent_its_key_to_storage() -> None:
    app = create_app(SimSettings(redirect_artefacts=True))
    state: SimState = app.state.sim
    report = state.corpus.pick("rich").reports[0]
    with run_server(app) as origin:
        url = f"{origin}/api/v3/file_behaviours/{report.id}/evtx"
        naive = httpx.get(url, headers={"x-apikey": DEMO_PRIVILEGED_KEY}, follow_redirects=True)
        redirect = httpx.get(url, headers={"x-apikey": DEMO_PRIVILEGED_KEY})
        careful = httpx.get(redirect.headers["location"])
    assert redirect.status_code == 302
    assert naive.status_code == careful.status_code == 200
    assert naive.content == careful.content
    assert careful.content.startswith(b"PK")
    keys = [entry.key for entry in state.matching("/_storage/")]
    assert keys == [DEMO_PRIVILEGED_KEY, None]
