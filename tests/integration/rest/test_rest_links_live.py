"""A client paging by ``links.next`` stays on the gateway and needs no upstream key."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from iocgate.engine.stores import MemoryCache
from iocgate.exposes.rest import RestOptions
from tests.integration.rest.conftest import Gateway, GatewayFactory

#: httpx asks for gzip by default, and the REST fast path leaves gzip to the full path.
IDENTITY = {"Accept-Encoding": "identity"}


def all_links(body: dict[str, Any]) -> list[str]:
    """Every URL under a `links` key the gateway rewrites (top, items, relationships)."""
    found = list(body.get("links", {}).values())
    data = body.get("data")
    for item in data if isinstance(data, list) else [data] if isinstance(data, dict) else []:
        if isinstance(item, dict):
            found += list(item.get("links", {}).values())
            for relationship in item.get("relationships", {}).values():
                found += list(relationship.get("links", {}).values())
    return [link for link in found if isinstance(link, str)]


def follow_pages(gateway: Gateway, first: str) -> tuple[list[dict[str, Any]], list[str]]:
    items: list[dict[str, Any]] = []
    links: list[str] = []
    url: str | None = gateway.url + first
    for _ in range(50):
        assert url is not None
        response = gateway.client.get(url)  # verbatim, as vt-go does; no key sent
        assert response.status_code == 200, response.text[:200]
        body = response.json()
        items += body["data"]
        links += all_links(body)
        url = body.get("links", {}).get("next")
        if not url:
            return items, links
    raise AssertionError("more than 50 pages")


@pytest.mark.parametrize("kind", ["descriptors", "objects"])
def test_following_next_links_walks_every_page_on_the_gateway(
    gateway: Gateway, report_ids: dict[str, str], kind: str
) -> None:
    sandbox = quote(report_ids["sandbox_id"], safe="")
    middle = "relationships/" if kind == "descriptors" else ""
    first = f"/v1/file_behaviours/{sandbox}/{middle}contacted_domains?limit=3"
    total = gateway.get(first).json()["meta"]["count"]
    items, links = follow_pages(gateway, first)
    assert total > 3  # several pages
    assert len(items) == total
    assert len({item["id"] for item in items}) == total
    gateway_links = [link for link in links if link.startswith(gateway.url + "/v1/")]
    assert gateway_links
    left_behind = [link for link in links if link.startswith(gateway.upstream + "/file_")]
    assert left_behind == []


def test_report_links_keep_the_sandbox_id_encoded_once(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    body = gateway.get(f"/v1/files/{report_ids['sha256']}/behaviours").json()
    selves = [item["links"]["self"] for item in body["data"]]
    expected = f"{gateway.url}/v1/file_behaviours/{quote(report_ids['sandbox_id'], safe='')}"
    assert expected in selves
    assert all("%2520" not in link for link in selves)
    followed = gateway.client.get(expected)
    assert followed.status_code == 200
    assert followed.json()["data"]["id"] == report_ids["sandbox_id"]


def test_links_to_objects_no_route_serves_still_point_at_the_upstream(
    gateway: Gateway, report_ids: dict[str, str]
) -> None:
    sandbox = quote(report_ids["sandbox_id"], safe="")
    body = gateway.get(f"/v1/file_behaviours/{sandbox}/contacted_domains?limit=2").json()
    domain_link = body["data"][0]["links"]["self"]
    assert domain_link.startswith(gateway.upstream + "/domains/")


@pytest.mark.parametrize(
    "poison",
    [
        {"Host": "evil.example", "X-Forwarded-Proto": "https"},
        {"Host": "localhost", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    ],
)
def test_links_never_follow_what_a_client_sends_even_after_repeated_hits(
    start_gateway: GatewayFactory, report_ids: dict[str, str], poison: dict[str, str]
) -> None:
    # Issue #16: two poisoned requests made the REST fast path serve https://evil.example/...
    # links to every later caller, who would follow them with their bearer token.
    path = f"/v1/files/{report_ids['sha256']}/behaviour_mitre_trees"
    with start_gateway(cache=MemoryCache()) as gateway:
        poisoned = [gateway.get(path, headers=poison | IDENTITY).json() for _ in range(3)]
        plain = gateway.get(path, headers=IDENTITY)
    assert plain.headers["x-cache"] == "HIT"
    expected = f"{gateway.url}{path}"
    assert [body["links"]["self"] for body in poisoned] == [expected] * 3
    assert plain.json()["links"]["self"] == expected


def test_a_public_url_is_the_origin_of_every_link(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    options = RestOptions(public_url="https://iocgate.example/gw/")
    path = f"/v1/files/{report_ids['sha256']}/behaviour_mitre_trees"
    with start_gateway(options=options, cache=MemoryCache()) as gateway:
        bodies = [gateway.get(path).json() for _ in range(3)]
    assert {body["links"]["self"] for body in bodies} == {f"https://iocgate.example/gw{path}"}


def test_behind_a_trusted_proxy_the_host_it_forwards_decides_the_origin(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    options = RestOptions(trust_host=True)
    path = f"/v1/files/{report_ids['sha256']}/behaviour_mitre_trees"
    with start_gateway(options=options, cache=MemoryCache()) as gateway:
        bodies = [
            gateway.get(path, headers={"Host": host} | IDENTITY).json()
            for host in ("a.example", "a.example", "b.example", "b.example")
        ]
    # Each origin gets its own links, hits included: the fast path keys on the origin too.
    assert [body["links"]["self"] for body in bodies] == [
        f"http://{host}{path}" for host in ("a.example", "a.example", "b.example", "b.example")
    ]
