"""REST routes ``/x/investigate/{id}``: each view, VirusTotal-shaped errors, request ids."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from iocgate.engine import Engine
from iocgate.engine.quota import BudgetQuota, MemoryBudgetStore, parse_budget
from iocgate.engine.stores import MemoryCache
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.sim import SimState
from iocgate.virustotal.routes import investigation_routes
from tests.unit.investigate.investigate_support import sim_engine


@pytest.fixture
async def engine(investigation_sim: Starlette) -> AsyncIterator[Engine]:
    engine = sim_engine(investigation_sim)
    yield engine
    await engine.aclose()


def client_for(engine: Engine) -> httpx.AsyncClient:
    routes = tuple(investigation_routes(engine))
    app = create_rest_app(engine, RestOptions(plugin_routes=routes))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test")


@pytest.mark.anyio
async def test_the_brief_route_answers_the_brief_json_and_its_cost(
    engine: Engine, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    async with client_for(engine) as client:
        response = await client.get(f"/x/investigate/{rich.sha256}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    brief = response.json()
    assert brief["file"]["sha256"] == rich.sha256
    assert brief["verdict"]["value"] == "malicious"
    assert response.headers["x-iocgate-upstream-calls"] == "4" == str(sim_state.count())


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("suffix", "media"),
    [
        ("/navigator", "application/json"),
        ("/stix", "application/json"),
        ("/iocs.csv", "text/csv"),
        ("/iocs.json", "application/json"),
        ("/report.html", "text/html"),
        ("/report.md", "text/markdown"),
    ],
)
async def test_every_export_route_answers_its_format(
    engine: Engine, sim_state: SimState, suffix: str, media: str
) -> None:
    rich = sim_state.corpus.pick("rich")
    async with client_for(engine) as client:
        response = await client.get(f"/x/investigate/{rich.sha256}{suffix}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    if suffix == "/navigator":
        assert response.json()["versions"]["layer"] == "4.5"
    if suffix == "/stix":
        assert response.json()["type"] == "bundle"
    if suffix == "/iocs.csv":
        header = next(csv.reader(io.StringIO(response.text)))
        assert header == [
            "type", "value", "context", "sandboxes", "classification", "confidence", "reason"
        ]  # fmt: skip
    if suffix == "/report.html":
        assert "default-src 'none'" in response.headers["content-security-policy"]


@pytest.mark.anyio
async def test_stix_uses_its_own_media_type_when_the_client_asks_for_it(
    engine: Engine, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    async with client_for(engine) as client:
        response = await client.get(
            f"/x/investigate/{rich.sha256}/stix",
            headers={"Accept": "application/stix+json;version=2.1"},
        )
    assert response.headers["content-type"] == "application/stix+json;version=2.1"


@pytest.mark.anyio
async def test_the_navigator_route_filters_by_sandbox_and_refuses_unknown_ones(
    engine: Engine, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    async with client_for(engine) as client:
        one = await client.get(f"/x/investigate/{rich.sha256}/navigator?sandbox=CAPA")
        bad = await client.get(f"/x/investigate/{rich.sha256}/navigator?sandbox=Nope")
    assert one.status_code == 200
    assert "CAPA" in json.dumps(one.json()["metadata"])
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "InvalidArgumentError"


@pytest.mark.anyio
async def test_the_brief_route_restricts_to_a_sandbox_and_refuses_an_unknown_one(
    engine: Engine, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    async with client_for(engine) as client:
        one = await client.get(f"/x/investigate/{rich.sha256}?sandbox=CAPA")
        bad = await client.get(f"/x/investigate/{rich.sha256}?sandbox=NoBox")
    assert one.status_code == 200
    assert [s["name"] for s in one.json()["sandboxes"]] == ["CAPA"]
    assert bad.status_code == 400
    assert "NoBox" in bad.json()["error"]["message"]


@pytest.mark.anyio
@pytest.mark.parametrize("suffix", ["", "/report.md", "/plan"])
async def test_an_unknown_query_parameter_is_a_400_naming_the_allowed_ones(
    engine: Engine, sim_state: SimState, suffix: str
) -> None:
    rich = sim_state.corpus.pick("rich")
    async with client_for(engine) as client:
        response = await client.get(f"/x/investigate/{rich.sha256}{suffix}?foo=1")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidArgumentError"
    assert "'foo'" in error["message"] and "allowed:" in error["message"]
    assert sim_state.count() == 0  # refused before anything was spent


@pytest.mark.anyio
async def test_a_bad_hash_is_a_400_in_virustotal_shape_with_no_upstream_call(
    engine: Engine, sim_state: SimState
) -> None:
    async with client_for(engine) as client:
        response = await client.get("/x/investigate/not-a-hash", headers={"X-Request-ID": "r-1"})
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == "InvalidArgumentError"
    assert response.headers["x-request-id"] == "r-1"
    assert sim_state.count() == 0


@pytest.mark.anyio
async def test_an_unknown_file_is_a_404_not_found_error(
    engine: Engine, sim_state: SimState
) -> None:
    async with client_for(engine) as client:
        response = await client.get(f"/x/investigate/{'0' * 64}/report.html")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFoundError"
    assert len(response.headers["x-request-id"]) == 32  # one was made up: none was sent


@pytest.mark.anyio
async def test_a_quota_spent_midway_is_a_429_with_retry_after(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    quota = BudgetQuota(parse_budget("2/day"), MemoryBudgetStore(), max_wait=0)
    engine = sim_engine(investigation_sim, quota=quota)
    try:
        async with client_for(engine) as client:
            response = await client.get(f"/x/investigate/{sim_state.corpus.pick('rich').sha256}")
    finally:
        await engine.aclose()
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "QuotaExceededError"
    assert int(response.headers["retry-after"]) > 0
    assert sim_state.count() == 2  # the budget allowed two calls; the third was never sent


@pytest.mark.anyio
async def test_the_openapi_paths_describe_every_route(engine: Engine) -> None:
    async with client_for(engine) as client:
        document = (await client.get("/openapi.json")).json()
    ours = {route.path for route in investigation_routes(engine)}
    paths = {path: item for path, item in document["paths"].items() if path in ours}
    assert set(paths) == ours
    for item in paths.values():
        operation = item["get"]
        assert {"200", "400", "404", "429"} <= set(operation["responses"])
        assert operation["parameters"][0]["name"] == "id"
    ids = [item["get"]["operationId"] for item in paths.values()]
    assert len(set(ids)) == len(ids)


@pytest.mark.anyio
async def test_the_plan_route_states_the_cost_and_the_quota_left_without_spending(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    quota = BudgetQuota(parse_budget("30/min,500/day"), MemoryBudgetStore(), max_wait=0)
    engine = sim_engine(investigation_sim, quota=quota)
    try:
        async with client_for(engine) as client:
            response = await client.get(
                f"/x/investigate/{sim_state.corpus.pick('rich').sha256}/plan"
            )
    finally:
        await engine.aclose()
    assert response.status_code == 200
    plan = response.json()
    assert (plan["calls"], plan["is_exact"]) == (4, False)
    assert plan["text"].startswith("at least 4 upstream calls")
    assert response.headers["x-quota-policy"] == "30/min,500/day"
    assert response.headers["x-quota-remaining-day"] == "500"
    assert sim_state.count() == 0


@pytest.mark.anyio
async def test_a_cached_investigation_says_hit_and_what_the_quota_has_left(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    quota = BudgetQuota(parse_budget("500/day"), MemoryBudgetStore(), max_wait=0)
    engine = sim_engine(investigation_sim, quota=quota, cache=MemoryCache())
    path = f"/x/investigate/{sim_state.corpus.pick('poor').sha256}"
    try:
        async with client_for(engine) as client:
            first = await client.get(path)
            second = await client.get(f"{path}/iocs.json")
            fresh = await client.get(path, headers={"Cache-Control": "no-cache"})
    finally:
        await engine.aclose()
    assert (first.headers["x-cache"], first.headers["x-quota-remaining-day"]) == ("MISS", "496")
    assert (second.headers["x-cache"], second.headers["x-quota-remaining-day"]) == ("HIT", "496")
    assert second.headers["x-iocgate-upstream-calls"] == "0"
    assert fresh.headers["x-iocgate-upstream-calls"] == "4"
    assert sim_state.count() == 8
