"""Reports, the behaviour summary and the ATT&CK trees, as a client reads them over the API."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY, SimSettings, SimState, create_app
from iocgate.sim.attack import TECHNIQUES
from iocgate.sim.derive import PER_SANDBOX_ATTRIBUTES

pytestmark = pytest.mark.anyio


async def test_behaviours_accept_sha256_sha1_or_md5_and_link_by_sha256(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    for digest in (rich.sha256, rich.sha1, rich.md5.upper()):
        response = await client.get(f"/api/v3/files/{digest}/behaviours")
        assert response.status_code == 200
        body = response.json()
        assert body["meta"] == {"count": len(rich.reports)}
        assert [item["id"] for item in body["data"]] == rich.sandbox_ids
        assert body["links"] == {
            "self": f"http://sim.test/api/v3/files/{rich.sha256}/behaviours?limit=10"
        }


async def test_behaviours_items_are_full_file_behaviour_objects(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    item = (await client.get(f"/api/v3/files/{rich.sha256}/behaviours")).json()["data"][0]
    assert item["type"] == "file_behaviour"
    assert item["attributes"] == rich.reports[0].attributes
    assert item["links"]["self"] == f"http://sim.test/api/v3/file_behaviours/{rich.reports[0].id}"


async def test_behaviours_page_through_with_cursor_and_absolute_next_link(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    seen: list[str] = []
    url: str | None = f"/api/v3/files/{rich.sha256}/behaviours?limit=4"
    pages = 0
    while url:
        body = (await client.get(url)).json()
        pages += 1
        seen += [item["id"] for item in body["data"]]
        assert ("cursor" in body["meta"]) == ("next" in body["links"])
        url = body["links"].get("next")
        if url:
            assert url.startswith("http://sim.test/api/v3/files/")
            assert url.endswith(f"?cursor={body['meta']['cursor']}&limit=4")
    assert pages == 2
    assert seen == rich.sandbox_ids


async def test_a_file_without_behaviour_has_an_empty_list_and_empty_summary(
    client: httpx.AsyncClient, state: SimState
) -> None:
    nothing = state.corpus.pick("none")
    listing = (await client.get(f"/api/v3/files/{nothing.sha256}/behaviours")).json()
    assert listing["data"] == []
    assert listing["meta"] == {"count": 0}
    summary = await client.get(f"/api/v3/files/{nothing.sha256}/behaviour_summary")
    assert summary.json() == {"data": {}}
    trees = await client.get(f"/api/v3/files/{nothing.sha256}/behaviour_mitre_trees")
    assert trees.json()["data"] == {}


async def test_one_report_keeps_the_raw_space_of_its_id_in_links_self(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = state.corpus.pick("rich").reports[0]
    assert " " in report.id
    response = await client.get(f"/api/v3/file_behaviours/{quote(report.id)}")
    body = response.json()
    assert set(body) == {"data"}
    assert body["data"]["id"] == report.id
    assert body["data"]["links"]["self"] == f"http://sim.test/api/v3/file_behaviours/{report.id}"
    assert body["data"]["attributes"] == report.attributes


async def test_configured_base_url_is_used_in_links() -> None:
    app = create_app(SimSettings(base_url="https://www.virustotal.com/api/v3"))
    report = app.state.sim.corpus.pick("rich").reports[0]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as http:
        body = (
            await http.get(
                f"/api/v3/file_behaviours/{report.id}", headers={"x-apikey": DEMO_PRIVILEGED_KEY}
            )
        ).json()
    expected = f"https://www.virustotal.com/api/v3/file_behaviours/{report.id}"
    assert body["data"]["links"]["self"] == expected


async def test_summary_is_a_plain_dict_merging_every_report_without_per_run_keys(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    summary = (await client.get(f"/api/v3/files/{rich.sha256}/behaviour_summary")).json()["data"]
    assert not {"type", "id", "attributes", "links"} & summary.keys()
    assert not PER_SANDBOX_ATTRIBUTES & summary.keys()
    for report in rich.reports:
        for key, value in report.attributes.items():
            if isinstance(value, list):
                as_json = {json.dumps(item, sort_keys=True) for item in summary[key]}
                assert all(json.dumps(item, sort_keys=True) in as_json for item in value), key
    lookups = [json.dumps(entry, sort_keys=True) for entry in summary["dns_lookups"]]
    assert len(lookups) == len(set(lookups))
    confidences = [
        r.attributes["verdict_confidence"]
        for r in rich.reports
        if "verdict_confidence" in r.attributes
    ]
    assert summary["verdict_confidence"] == max(confidences)


async def test_summary_attack_techniques_is_a_dict_of_plain_severities(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    summary = (await client.get(f"/api/v3/files/{rich.sha256}/behaviour_summary")).json()["data"]
    techniques = summary["attack_techniques"]
    reported = {
        (t["id"], t["signature_description"])
        for r in rich.reports
        for t in r.attributes.get("mitre_attack_techniques", [])
    }
    flattened = {(tid, s["description"]) for tid, sigs in techniques.items() for s in sigs}
    assert flattened == reported
    severities = {s["severity"] for sigs in techniques.values() for s in sigs}
    assert severities <= {"INFO", "LOW", "MEDIUM", "HIGH", "UNKNOWN"}


async def test_mitre_trees_list_every_sandbox_and_match_its_techniques(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    body = (await client.get(f"/api/v3/files/{rich.md5}/behaviour_mitre_trees")).json()
    trees = body["data"]
    assert body["links"]["self"].endswith(f"/files/{rich.sha256}/behaviour_mitre_trees")
    assert list(trees) == [r.sandbox_name for r in rich.reports]
    assert trees["C2AE"] == {"tactics": []}
    for report in rich.reports:
        expected = {t["id"] for t in report.attributes.get("mitre_attack_techniques", [])}
        in_tree: dict[str, set[str]] = {}
        for tactic in trees[report.sandbox_name]["tactics"]:
            assert tactic["link"] == f"https://attack.mitre.org/tactics/{tactic['id']}/"
            for technique in tactic["techniques"]:
                in_tree.setdefault(technique["id"], set()).add(tactic["id"])
                assert technique["signatures"]
                assert {s["severity"] for s in technique["signatures"]} <= {
                    "INFO", "LOW", "MEDIUM", "HIGH", "UNKNOWN"
                }  # fmt: skip
        assert set(in_tree) == expected
        for technique_id, tactics in in_tree.items():
            assert tactics == set(TECHNIQUES[technique_id].tactics)


async def test_one_technique_sits_under_several_tactics_and_sub_techniques_link_with_slashes(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    trees = (await client.get(f"/api/v3/files/{rich.sha256}/behaviour_mitre_trees")).json()["data"]
    placements: dict[str, int] = {}
    links = {}
    for tree in trees.values():
        for tactic in tree["tactics"]:
            for technique in tactic["techniques"]:
                placements[technique["id"]] = placements.get(technique["id"], 0) + 1
                links[technique["id"]] = technique["link"]
    assert any(TECHNIQUES[t].tactics[1:] for t in placements)
    dotted = [t for t in links if "." in t]
    assert dotted
    for technique_id in dotted:
        parent, sub = technique_id.split(".")
        assert links[technique_id] == f"https://attack.mitre.org/techniques/{parent}/{sub}/"


async def test_json_is_gzipped_only_for_user_agents_that_say_gzip(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    url = f"/api/v3/files/{rich.sha256}/behaviour_summary"
    plain = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    zipped = await client.get(
        url, headers={"Accept-Encoding": "gzip", "User-Agent": "vtpy 0.22.0; gzip"}
    )
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.json() == plain.json()
