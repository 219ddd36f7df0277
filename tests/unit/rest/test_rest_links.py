"""Upstream links in JSON bodies become gateway links; nothing else in a body changes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from iocgate.capability import BindValues, Capability
from iocgate.engine import CacheStatus, LoadedCapability, Result
from iocgate.exposes.rest.links import LinkRewriter

VT = "https://www.virustotal.com/api/v3"
OVERRIDE = "http://127.0.0.1:9999/api/v3"
GATEWAY = "http://gateway.test:8080"
SHA = "c" * 64
SANDBOX = f"{SHA}_VirusTotal Jujubox"
SANDBOX_ENCODED = f"{SHA}_VirusTotal%20Jujubox"


@pytest.fixture
def rewriter(seed_capability: Capability) -> LinkRewriter:
    loaded = LoadedCapability(capability=seed_capability, binds=BindValues(), base_uri=OVERRIDE)
    return LinkRewriter([loaded])


def rewrite(rewriter: LinkRewriter, body: Any) -> Any:
    return rewriter.rewrite(body, GATEWAY + "/")


def test_a_next_link_with_a_cursor_points_at_the_gateway_route_with_the_same_query(
    rewriter: LinkRewriter,
) -> None:
    body = {
        "data": [],
        "meta": {"count": 12, "cursor": "Q1VSU09S"},
        "links": {
            "self": f"{VT}/file_behaviours/{SANDBOX}/relationships/contacted_domains?limit=5",
            "next": f"{VT}/file_behaviours/{SANDBOX}/relationships/contacted_domains"
            "?cursor=Q1VSU09S&limit=5",
        },
    }
    links = rewrite(rewriter, body)["links"]
    assert links["next"] == (
        f"{GATEWAY}/v1/file_behaviours/{SANDBOX_ENCODED}/relationships/contacted_domains"
        "?cursor=Q1VSU09S&limit=5"
    )
    assert links["self"].startswith(f"{GATEWAY}/v1/file_behaviours/{SANDBOX_ENCODED}/")


def test_links_of_each_item_and_of_relationships_are_rewritten(rewriter: LinkRewriter) -> None:
    body = {
        "data": [
            {
                "type": "file_behaviour",
                "id": SANDBOX,
                "links": {"self": f"{OVERRIDE}/file_behaviours/{SANDBOX}"},
                "relationships": {
                    "attack_techniques": {
                        "data": [],
                        "links": {
                            "self": f"{OVERRIDE}/file_behaviours/{SANDBOX}/relationships/"
                            "attack_techniques",
                            "related": f"{OVERRIDE}/file_behaviours/{SANDBOX}/attack_techniques",
                        },
                    }
                },
            }
        ],
        "links": {"self": f"{OVERRIDE}/files/{SHA}/behaviours?limit=10"},
    }
    result = rewrite(rewriter, body)
    item = result["data"][0]
    assert item["links"]["self"] == f"{GATEWAY}/v1/file_behaviours/{SANDBOX_ENCODED}"
    relationship = item["relationships"]["attack_techniques"]["links"]
    assert relationship["related"] == (
        f"{GATEWAY}/v1/file_behaviours/{SANDBOX_ENCODED}/attack_techniques"
    )
    assert relationship["self"].endswith("/relationships/attack_techniques")
    assert result["links"]["self"] == f"{GATEWAY}/v1/files/{SHA}/behaviours?limit=10"


def test_a_single_object_link_is_rewritten(rewriter: LinkRewriter) -> None:
    body = {"data": {"id": SANDBOX, "links": {"self": f"{VT}/file_behaviours/{SANDBOX}"}}}
    assert rewrite(rewriter, body)["data"]["links"]["self"] == (
        f"{GATEWAY}/v1/file_behaviours/{SANDBOX_ENCODED}"
    )


def test_an_already_encoded_upstream_link_is_not_encoded_twice(rewriter: LinkRewriter) -> None:
    body = {"links": {"self": f"{VT}/file_behaviours/{SANDBOX_ENCODED}"}}
    assert rewrite(rewriter, body)["links"]["self"] == (
        f"{GATEWAY}/v1/file_behaviours/{SANDBOX_ENCODED}"
    )


def test_links_no_route_serves_and_strings_outside_links_are_left_verbatim(
    rewriter: LinkRewriter,
) -> None:
    body = {
        "data": [
            {
                "type": "domain",
                "id": "evil.test",
                "links": {"self": f"{VT}/domains/evil.test"},
                "attributes": {"url": f"{VT}/file_behaviours/{SANDBOX}"},
            },
            {"type": "file", "id": SHA, "links": {"self": f"{VT}/files/{SHA}"}},
        ],
        "links": {"self": "https://elsewhere.test/api/v3/files/x/behaviours"},
        "url": f"{VT}/files/{SHA}/behaviours",
    }
    original = copy.deepcopy(body)
    assert rewrite(rewriter, body) == original


def test_the_body_given_is_never_changed_in_place(rewriter: LinkRewriter) -> None:
    body = {
        "data": [{"id": SANDBOX, "links": {"self": f"{VT}/file_behaviours/{SANDBOX}"}}],
        "links": {"self": f"{VT}/files/{SHA}/behaviours"},
    }
    original = copy.deepcopy(body)
    rewritten = rewrite(rewriter, body)
    assert body == original
    assert rewritten != original


def test_a_url_that_only_starts_like_the_base_is_not_a_link_to_it(rewriter: LinkRewriter) -> None:
    body = {"links": {"self": f"{VT}x/files/{SHA}/behaviours"}}
    assert rewrite(rewriter, body) == body


def result_with(body: bytes) -> Result:
    return Result(
        status=200,
        content_type="application/json",
        operation="op",
        request_id="r",
        json_body=body,
        cache=CacheStatus.HIT,
    )


def test_a_body_that_names_no_upstream_base_goes_out_byte_for_byte(rewriter: LinkRewriter) -> None:
    raw = b'{"data": {"verdicts" :["MALWARE"]},   "note":"\\u00e9"}'
    assert rewriter.rewrite_body(result_with(raw), lambda: GATEWAY) is raw


def test_a_body_with_links_is_sent_rewritten(rewriter: LinkRewriter) -> None:
    raw = json.dumps({"links": {"self": f"{VT}/files/{SHA}/behaviour_summary"}}).encode()
    sent = json.loads(rewriter.rewrite_body(result_with(raw), lambda: GATEWAY))
    assert sent == {"links": {"self": f"{GATEWAY}/v1/files/{SHA}/behaviour_summary"}}


def test_links_written_with_escaped_slashes_are_found_too(rewriter: LinkRewriter) -> None:
    raw = b'{"links": {"self": "https:\\/\\/www.virustotal.com\\/api\\/v3\\/files\\/' + (
        SHA.encode() + b'\\/behaviours"}}'
    )
    sent = json.loads(rewriter.rewrite_body(result_with(raw), lambda: GATEWAY))
    assert sent["links"]["self"] == f"{GATEWAY}/v1/files/{SHA}/behaviours"


def test_a_body_seen_again_for_another_origin_is_rewritten_for_that_origin(
    rewriter: LinkRewriter,
) -> None:
    raw = json.dumps({"links": {"self": f"{VT}/files/{SHA}/behaviours"}}).encode()
    first = rewriter.rewrite_body(result_with(raw), lambda: GATEWAY)
    again = rewriter.rewrite_body(result_with(raw), lambda: GATEWAY)
    elsewhere = rewriter.rewrite_body(result_with(raw), lambda: "https://other.test")
    assert again == first
    assert json.loads(elsewhere)["links"]["self"] == f"https://other.test/v1/files/{SHA}/behaviours"
