"""The corpus: deterministic, self-consistent, sparse like VirusTotal, every kind present."""

from __future__ import annotations

import ipaddress
import json
import re
import time
from typing import Any

import pytest

from iocgate.sim import KINDS, Corpus, build_corpus
from iocgate.sim.hostile import HOSTILE_STRINGS
from iocgate.sim.network import BACKGROUND_HOSTS

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _walk(item, f"{path}[{index}]")
    return found


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus(1, 30)


def test_same_seed_gives_byte_identical_corpus() -> None:
    first, second = build_corpus(7, 26), build_corpus(7, 26)
    assert json.dumps(first.describe()) == json.dumps(second.describe())
    assert [r.attributes for f in first.files for r in f.reports] == [
        r.attributes for f in second.files for r in f.reports
    ]


def test_another_seed_gives_other_hashes() -> None:
    assert {f.sha256 for f in build_corpus(1, 26).files}.isdisjoint(
        f.sha256 for f in build_corpus(2, 26).files
    )


def test_default_corpus_builds_in_well_under_a_second() -> None:
    started = time.perf_counter()
    build_corpus(3, 30)
    assert time.perf_counter() - started < 1.0


def test_too_small_a_corpus_is_refused_with_the_minimum() -> None:
    with pytest.raises(ValueError, match="at least"):
        build_corpus(1, 3)


def test_every_kind_can_be_picked_and_stays_the_same_file(corpus: Corpus) -> None:
    for kind in KINDS:
        assert corpus.pick(kind).kind == kind
        assert corpus.pick(kind) is corpus.pick(kind)
    with pytest.raises(KeyError, match="rich"):
        corpus.pick("enormous")


def test_a_file_is_found_by_sha256_sha1_or_md5_in_any_case(corpus: Corpus) -> None:
    for sim_file in corpus.files:
        assert SHA256.match(sim_file.sha256)
        assert re.fullmatch(r"[0-9a-f]{40}", sim_file.sha1)
        assert re.fullmatch(r"[0-9a-f]{32}", sim_file.md5)
        for digest in (sim_file.sha256, sim_file.sha1.upper(), sim_file.md5):
            assert corpus.find_file(digest) is sim_file
    assert corpus.find_file("0" * 64) is None


def test_report_ids_are_sha256_underscore_sandbox_name(corpus: Corpus) -> None:
    names = set()
    for sim_file in corpus.files:
        for report in sim_file.reports:
            assert report.id == f"{sim_file.sha256}_{report.sandbox_name}"
            assert corpus.find_report(report.id) is report
            names.add(report.sandbox_name)
    assert {"VirusTotal Jujubox", "Zenbox", "CAPA", "Dr.Web vxCube"} <= names
    assert any("." in name or "-" in name for name in names)


def test_attributes_with_no_data_are_absent_never_empty_or_null(corpus: Corpus) -> None:
    for sim_file in corpus.files:
        for report in sim_file.reports:
            for path, value in _walk(report.attributes):
                assert value not in ([], {}, None, ""), f"{report.id}{path}"


def test_reports_carry_real_shapes_process_ids_are_strings_ports_integers(corpus: Corpus) -> None:
    report = corpus.pick("rich").reports[0]
    attributes = report.attributes
    assert isinstance(attributes["processes_tree"][0]["process_id"], str)
    assert all(isinstance(f["destination_port"], int) for f in attributes["ip_traffic"])
    assert all(
        m["severity"].startswith("IMPACT_SEVERITY_") for m in attributes["mitre_attack_techniques"]
    )
    assert {"path", "sha256", "type"} <= attributes["files_dropped"][0].keys()
    assert isinstance(attributes["has_pcap"], bool)
    assert attributes["sandbox_name"] == report.sandbox_name


def test_network_indicators_are_documentation_addresses_and_test_domains(corpus: Corpus) -> None:
    documentation = [
        ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
    ]
    for sim_file in corpus.files:
        for report in sim_file.reports:
            for lookup in report.attributes.get("dns_lookups", []):
                # Real names only for the guest's own benign infrastructure (#22.2).
                name = lookup["hostname"]
                assert name.endswith((".test", ".example")) or name in BACKGROUND_HOSTS
                for ip in lookup.get("resolved_ips", []):
                    assert any(ipaddress.ip_address(ip) in net for net in documentation)
            for flow in report.attributes.get("ip_traffic", []):
                assert any(ipaddress.ip_address(flow["destination_ip"]) in n for n in documentation)


def test_static_tools_report_only_a_few_attributes(corpus: Corpus) -> None:
    per_run = {"sandbox_name", "analysis_date", "last_modification_date", "behash"}
    for sim_file in corpus.files:
        for report in sim_file.reports:
            if report.sandbox_name in ("CAPA", "Microsoft Sysinternals"):
                data = {
                    k for k in report.attributes if k not in per_run and not k.startswith("has_")
                }
                assert 2 <= len(data) <= 3, (report.id, data)


def test_poor_file_has_one_static_report_and_none_files_have_none(corpus: Corpus) -> None:
    poor = corpus.pick("poor")
    assert [r.sandbox_name for r in poor.reports] in (["CAPA"], ["Microsoft Sysinternals"])
    nothing = [f for f in corpus.files if f.kind == "none"]
    assert len(nothing) >= 2
    assert all(f.reports == [] for f in nothing)


def test_rich_file_has_many_sandboxes_every_artefact_and_many_techniques(corpus: Corpus) -> None:
    rich = corpus.pick("rich")
    assert len(rich.reports) >= 5
    assert {a for r in rich.reports for a in r.artefacts} == {"pcap", "evtx", "memdump", "html"}
    techniques = {
        t["id"] for r in rich.reports for t in r.attributes.get("mitre_attack_techniques", [])
    }
    assert len(techniques) >= 15


def test_huge_file_has_a_report_over_a_megabyte_of_json(corpus: Corpus) -> None:
    sizes = [r.json_size() for r in corpus.pick("huge").reports]
    assert max(sizes) > 1024 * 1024
    assert len(corpus.pick("huge").reports[0].attributes["registry_keys_opened"]) > 2000


def test_ordinary_reports_range_from_tiny_to_hundreds_of_kilobytes(corpus: Corpus) -> None:
    sizes = [r.json_size() for f in corpus.files if f.kind == "ordinary" for r in f.reports]
    assert min(sizes) < 2_000
    assert 150_000 < max(sizes) < 400_000


def test_hostile_report_plants_every_payload_in_text_families(corpus: Corpus) -> None:
    attributes = corpus.pick("hostile").reports[0].attributes
    text = json.dumps(attributes, ensure_ascii=False)
    for payload in HOSTILE_STRINGS:
        assert payload in text
    for family in ("command_executions", "windows_searched", "files_written", "mutexes_created"):
        assert any(
            "<script>" in s or "Ignore all previous" in s for s in map(str, attributes[family])
        )
    assert any("<script>alert(1)</script>" in c["url"] for c in attributes["http_conversations"])
    assert any("<script>" in n["name"] for n in attributes["processes_tree"][0]["children"])


def test_describe_lists_hashes_sandbox_ids_artefacts_and_sizes(corpus: Corpus) -> None:
    listing = json.loads(json.dumps(corpus.describe()))
    rich = next(entry for entry in listing if entry["kind"] == "rich")
    assert rich["sha256"] == corpus.pick("rich").sha256
    assert {"sha1", "md5"} <= rich.keys()
    first = rich["reports"][0]
    assert first["id"] == corpus.pick("rich").reports[0].id
    assert set(first["artefacts"]) == {"pcap", "evtx", "memdump", "html"}
    assert first["approx_json_bytes"] > 10_000
