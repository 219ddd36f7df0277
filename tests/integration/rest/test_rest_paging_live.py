"""Paging the sandbox reports of a file over REST: ``limit`` and ``cursor`` as VirusTotal takes
them (the embedded capability declares both on the behaviours operation, #22)."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.integration.rest.conftest import Gateway


def test_behaviours_take_limit_and_the_cursor_reads_the_next_page(gateway: Gateway) -> None:
    many = gateway.sim.corpus.pick("many")
    assert len(many.reports) > 10
    first = gateway.get(f"/v1/files/{many.sha256}/behaviours", params={"limit": 5})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [item["id"] for item in body["data"]] == many.sandbox_ids[:5]
    assert body["meta"]["count"] == len(many.reports)
    cursor = body["meta"]["cursor"]
    next_link = urlsplit(body["links"]["next"])
    assert f"{next_link.scheme}://{next_link.netloc}" == gateway.url  # rewritten to the gateway
    second = gateway.get(
        f"/v1/files/{many.sha256}/behaviours", params={"limit": 5, "cursor": cursor}
    )
    assert second.status_code == 200, second.text
    assert [item["id"] for item in second.json()["data"]] == many.sandbox_ids[5:10]


def test_a_limit_above_forty_is_refused_naming_the_range(gateway: Gateway) -> None:
    many = gateway.sim.corpus.pick("many")
    answer = gateway.get(f"/v1/files/{many.sha256}/behaviours", params={"limit": 41})
    assert answer.status_code == 400
    assert "1 to 40" in answer.json()["error"]["message"]
