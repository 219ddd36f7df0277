"""Relationships of a sandbox report: items match the report, pages link on, errors inline."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import SandboxReport, SimState
from iocgate.sim.relationships import RELATIONSHIPS

pytestmark = pytest.mark.anyio


async def _all_pages(client: httpx.AsyncClient, url: str) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        body = (await client.get(next_url)).json()
        pages += 1
        items += body["data"]
        next_url = body["links"].get("next")
    return items, pages


def _rich_report(state: SimState) -> SandboxReport:
    return state.corpus.pick("rich").reports[0]


async def test_contacted_domains_are_the_reports_dns_lookups_in_order(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    expected = list(dict.fromkeys(e["hostname"] for e in report.attributes["dns_lookups"]))
    url = f"/api/v3/file_behaviours/{quote(report.id)}/relationships/contacted_domains?limit=3"
    items, pages = await _all_pages(client, url)
    assert [item["id"] for item in items] == expected
    assert {item["type"] for item in items} == {"domain"}
    assert pages == -(-len(expected) // 3) > 1


@pytest.mark.parametrize(
    ("relationship", "item_type", "expected"),
    [
        ("contacted_ips", "ip_address", lambda a: [f["destination_ip"] for f in a["ip_traffic"]]),
        ("dropped_files", "file", lambda a: [f["sha256"] for f in a["files_dropped"]]),
        ("embedded_domains", "domain", lambda a: a["memory_pattern_domains"]),
        ("embedded_ips", "ip_address", lambda a: a["memory_pattern_ips"]),
        (
            "attack_techniques",
            "attack_technique",
            lambda a: [t["id"] for t in a["mitre_attack_techniques"]],
        ),
    ],
)
async def test_each_relationship_lists_what_the_report_says(
    client: httpx.AsyncClient,
    state: SimState,
    relationship: str,
    item_type: str,
    expected: Any,
) -> None:
    report = _rich_report(state)
    url = f"/api/v3/file_behaviours/{report.id}/relationships/{relationship}?limit=40"
    items, _ = await _all_pages(client, url)
    assert [item["id"] for item in items] == list(dict.fromkeys(expected(report.attributes)))
    assert {item["type"] for item in items} == {item_type}


async def test_url_ids_are_sha256_of_the_url_which_rides_in_context_attributes(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    urls = list(dict.fromkeys(c["url"] for c in report.attributes["http_conversations"]))
    items, _ = await _all_pages(
        client, f"/api/v3/file_behaviours/{report.id}/relationships/contacted_urls"
    )
    assert [item["context_attributes"]["url"] for item in items] == urls
    assert [item["id"] for item in items] == [hashlib.sha256(u.encode()).hexdigest() for u in urls]


async def test_attack_technique_descriptors_carry_their_signatures(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    items, _ = await _all_pages(
        client, f"/api/v3/file_behaviours/{report.id}/relationships/attack_techniques"
    )
    first = report.attributes["mitre_attack_techniques"][0]
    entry = next(item for item in items if item["id"] == first["id"])
    signature = {
        "description": first["signature_description"],
        "severity": first["severity"].removeprefix("IMPACT_SEVERITY_"),
    }
    assert signature in entry["context_attributes"]["signatures"]


async def test_full_objects_inline_not_found_items_but_descriptors_do_not(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    base = f"/api/v3/file_behaviours/{report.id}"
    objects, _ = await _all_pages(client, f"{base}/contacted_domains")
    descriptors, _ = await _all_pages(client, f"{base}/relationships/contacted_domains")
    missing = [item for item in objects if "error" in item]
    assert missing, "the rich report should reference a domain VirusTotal does not have"
    assert missing[0]["error"] == {
        "code": "NotFoundError",
        "message": f'domain with id "{missing[0]["id"]}" not found',
    }
    assert "attributes" not in missing[0]
    found = [item for item in objects if "error" not in item]
    assert found[0]["links"]["self"] == f"http://sim.test/api/v3/domains/{found[0]['id']}"
    assert found[0]["attributes"]["last_analysis_stats"]
    assert [d["id"] for d in descriptors] == [o["id"] for o in objects]
    assert all(set(d) == {"type", "id"} for d in descriptors)


async def test_file_relationship_is_one_object_not_a_list(
    client: httpx.AsyncClient, state: SimState
) -> None:
    rich = state.corpus.pick("rich")
    report = rich.reports[0]
    full = (await client.get(f"/api/v3/file_behaviours/{report.id}/file")).json()
    assert full["meta"] == {"count": 1}
    assert full["data"]["id"] == rich.sha256
    assert full["data"]["attributes"]["md5"] == rich.md5
    descriptor = (
        await client.get(f"/api/v3/file_behaviours/{report.id}/relationships/file")
    ).json()
    assert descriptor["data"] == {"type": "file", "id": rich.sha256}


async def test_singular_relationship_alias_answers_like_the_plural(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    plural = await client.get(f"/api/v3/file_behaviours/{report.id}/relationships/contacted_ips")
    singular = await client.get(f"/api/v3/file_behaviours/{report.id}/relationship/contacted_ips")
    assert singular.status_code == 200
    assert singular.json()["data"] == plural.json()["data"]


async def test_unknown_relationship_is_invalid_argument_listing_the_valid_names(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    for path in ("comments", "relationships/comments"):
        response = await client.get(f"/api/v3/file_behaviours/{report.id}/{path}")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "InvalidArgumentError"
        assert all(name in error["message"] for name in RELATIONSHIPS)


async def test_relationship_limit_outside_1_to_40_is_rejected_naming_limit(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    for limit in ("0", "41", "ten"):
        response = await client.get(
            f"/api/v3/file_behaviours/{report.id}/contacted_domains", params={"limit": limit}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "InvalidArgumentError"
        assert "limit" in response.json()["error"]["message"]


async def test_a_forged_cursor_is_rejected(client: httpx.AsyncClient, state: SimState) -> None:
    report = _rich_report(state)
    response = await client.get(
        f"/api/v3/file_behaviours/{report.id}/contacted_domains", params={"cursor": "!!nope"}
    )
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["message"]


async def test_an_empty_relationship_is_an_empty_page(
    client: httpx.AsyncClient, state: SimState
) -> None:
    capa = next(r for r in state.corpus.pick("rich").reports if r.sandbox_name == "CAPA")
    body = (await client.get(f"/api/v3/file_behaviours/{capa.id}/contacted_domains")).json()
    assert body["data"] == []
    assert body["meta"] == {"count": 0}


async def test_report_with_relationships_param_embeds_descriptors(
    client: httpx.AsyncClient, state: SimState
) -> None:
    report = _rich_report(state)
    body = (
        await client.get(
            f"/api/v3/file_behaviours/{report.id}",
            params={"relationships": "contacted_domains,file"},
        )
    ).json()
    relationships = body["data"]["relationships"]
    assert relationships["file"]["data"] == {"type": "file", "id": report.sha256}
    domains = relationships["contacted_domains"]
    total = len({e["hostname"] for e in report.attributes["dns_lookups"]})
    assert len(domains["data"]) == min(10, total)
    assert domains["links"]["related"].endswith("/contacted_domains")
    assert ("cursor" in domains.get("meta", {})) == (total > 10)
