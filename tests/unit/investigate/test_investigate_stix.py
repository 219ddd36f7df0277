"""The STIX 2.1 bundle passes stix2-validator (offline) and links what it should."""

from __future__ import annotations

import json
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_string

from iocgate.sim.hostile import HOSTILE_HOST, XSS_PAYLOADS
from iocgate.virustotal.exports import pattern_for, stix_json, stix_literal
from iocgate.virustotal.exports.stix import uri_form
from iocgate.virustotal.investigate import Brief, Indicator


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validator must not need the network: any HTTP request fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"stix2-validator tried the network: {args} {kwargs}")

    # By dotted path: importing requests here is banned (TID251), patching it is the point.
    monkeypatch.setattr("requests.Session.request", refuse)


def objects_of(brief: Brief) -> list[dict[str, Any]]:
    bundle = json.loads(stix_json(brief))
    assert bundle["type"] == "bundle"
    objects: list[dict[str, Any]] = bundle["objects"]
    return objects


@pytest.mark.parametrize("kind", ["rich", "poor", "none", "hostile", "linux"])
def test_the_bundle_passes_stix2_validator_with_no_errors(
    briefs: dict[str, Brief], kind: str
) -> None:
    results = validate_string(stix_json(briefs[kind]), ValidationOptions(version="2.1"))
    assert results.is_valid, results.as_dict()


def test_a_malicious_file_gets_malware_indicators_and_attack_patterns(
    briefs: dict[str, Brief],
) -> None:
    brief = briefs["rich"]
    objects = objects_of(brief)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for item in objects:
        by_type.setdefault(item["type"], []).append(item)
    (malware,) = by_type["malware"]
    assert malware["is_family"] is False
    assert set(brief.verdict.labels) <= set(malware["aliases"])
    (sample,) = [f for f in by_type["file"] if f["hashes"].get("SHA-256") == brief.file.sha256]
    assert malware["sample_refs"] == [sample["id"]]
    technique_ids = {
        ref["external_id"]
        for pattern in by_type["attack-pattern"]
        for ref in pattern["external_references"]
        if ref["source_name"] == "mitre-attack"
    }
    assert technique_ids == {t.id for t in brief.techniques}
    patterns = {i["pattern"] for i in by_type["indicator"]}
    for domain in brief.indicators.domains.items:
        assert f"[domain-name:value = {stix_literal(domain.value)}]" in patterns
    for dropped in brief.indicators.files.items:
        assert f"[file:hashes.'SHA-256' = '{dropped.value}']" in patterns


def test_relationships_link_existing_objects_with_spec_verbs(briefs: dict[str, Brief]) -> None:
    objects = objects_of(briefs["rich"])
    ids = {item["id"]: item["type"] for item in objects}
    verbs = set()
    for rel in (o for o in objects if o["type"] == "relationship"):
        assert rel["source_ref"] in ids and rel["target_ref"] in ids
        verbs.add((ids[rel["source_ref"]], rel["relationship_type"], ids[rel["target_ref"]]))
    assert verbs == {
        ("indicator", "indicates", "malware"),
        ("indicator", "based-on", "observed-data"),
        ("malware", "uses", "attack-pattern"),
    }
    (observed,) = [o for o in objects if o["type"] == "observed-data"]
    assert all(ref in ids for ref in observed["object_refs"])


def test_a_file_without_a_bad_verdict_gets_observations_but_no_indicators(
    briefs: dict[str, Brief],
) -> None:
    assert briefs["none"].verdict.value == "unknown"
    types = {item["type"] for item in objects_of(briefs["none"])}
    assert types == {"identity", "file", "observed-data"}


def test_hostile_urls_are_escaped_in_patterns_and_uri_encoded_in_observables(
    briefs: dict[str, Brief],
) -> None:
    objects = objects_of(briefs["hostile"])
    hostile = f"http://{HOSTILE_HOST}/{XSS_PAYLOADS[0]}"
    patterns = {o["pattern"] for o in objects if o["type"] == "indicator"}
    assert f"[url:value = '{hostile}']" in patterns
    urls = {o["value"] for o in objects if o["type"] == "url"}
    assert f"http://{HOSTILE_HOST}/%3Cscript%3Ealert(1)%3C/script%3E" in urls


def test_quotes_and_backslashes_are_escaped_in_pattern_literals() -> None:
    assert stix_literal("it's C:\\x") == "'it\\'s C:\\\\x'"
    mutex = Indicator(type="mutex", value="m", contexts=(), sandboxes=())
    assert pattern_for(mutex) is None
    ipv6 = Indicator(type="ip", value="2001:db8::1", contexts=(), sandboxes=())
    assert pattern_for(ipv6) == "[ipv6-addr:value = '2001:db8::1']"


def test_a_url_without_a_scheme_gets_no_url_observable() -> None:
    assert uri_form("example.test/path") is None
    assert uri_form("http://x.test/a b%zz") == "http://x.test/a%20b%25zz"
