"""Which REST route a request path selects: specificity, raw-path decoding, 404 and 405."""

from __future__ import annotations

import pytest

from iocgate.capability import Capability
from iocgate.errors import InvalidArgumentError
from iocgate.exposes.rest.paths import PathTemplate
from iocgate.exposes.rest.routes import RouteTable

SANDBOX = "a" * 64 + "_VirusTotal Jujubox"
SANDBOX_RAW = "a" * 64 + "_VirusTotal%20Jujubox"


@pytest.fixture(params=["declared", "reversed"])
def table(request: pytest.FixtureRequest, seed_capability: Capability) -> RouteTable:
    assert seed_capability.rest is not None
    routes = seed_capability.rest.routes
    return RouteTable(routes if request.param == "declared" else reversed(routes))


def route_name(table: RouteTable, raw_path: str, method: str = "GET") -> str | None:
    found = table.resolve(raw_path, method)
    if found is None or found.route is None:
        return None
    return found.route.name


@pytest.mark.parametrize(
    ("artefact", "name"),
    [
        ("evtx", "fileBehaviourEvtx"),
        ("pcap", "fileBehavioursPcap"),
        ("memdump", "fileBehaviourMemdump"),
        ("html", "getFileBehaviourHtml"),
    ],
)
def test_an_artefact_path_is_the_artefact_never_a_relationship_of_that_name(
    table: RouteTable, artefact: str, name: str
) -> None:
    assert route_name(table, f"/v1/file_behaviours/{SANDBOX_RAW}/{artefact}") == name


def test_relationships_literal_wins_over_a_relationship_named_relationships(
    table: RouteTable,
) -> None:
    descriptors = route_name(table, f"/v1/file_behaviours/{SANDBOX_RAW}/relationships/file")
    objects = route_name(table, f"/v1/file_behaviours/{SANDBOX_RAW}/attack_techniques")
    assert descriptors == "fileBehaviourssandboxIdrelationshipsrelationship"
    assert objects == "fileBehaviourssandboxIdrelationship"


def test_each_of_the_ten_routes_is_reachable(table: RouteTable) -> None:
    sha = "b" * 64
    paths = [
        f"/v1/file_behaviours/{SANDBOX_RAW}",
        f"/v1/file_behaviours/{SANDBOX_RAW}/evtx",
        f"/v1/file_behaviours/{SANDBOX_RAW}/html",
        f"/v1/file_behaviours/{SANDBOX_RAW}/memdump",
        f"/v1/file_behaviours/{SANDBOX_RAW}/pcap",
        f"/v1/file_behaviours/{SANDBOX_RAW}/relationships/file",
        f"/v1/file_behaviours/{SANDBOX_RAW}/file",
        f"/v1/files/{sha}/behaviour_mitre_trees",
        f"/v1/files/{sha}/behaviour_summary",
        f"/v1/files/{sha}/behaviours",
    ]
    assert len({route_name(table, path) for path in paths} - {None}) == 10


def test_path_values_are_decoded_once_and_an_encoded_slash_stays_inside_one_value(
    table: RouteTable,
) -> None:
    spaced = table.resolve(f"/v1/file_behaviours/{SANDBOX_RAW}/pcap", "GET")
    slashed = table.resolve(f"/v1/file_behaviours/{'a' * 64}_x%2Fy/pcap", "GET")
    double = table.resolve(f"/v1/file_behaviours/{'a' * 64}_x%252Fy/pcap", "GET")
    assert spaced is not None and spaced.path_values == {"sandbox_id": SANDBOX}
    assert slashed is not None and slashed.path_values == {"sandbox_id": "a" * 64 + "_x/y"}
    assert double is not None and double.path_values == {"sandbox_id": "a" * 64 + "_x%2Fy"}


def test_a_wrong_method_selects_the_resource_without_a_route_and_lists_what_is_allowed(
    table: RouteTable,
) -> None:
    found = table.resolve(f"/v1/file_behaviours/{SANDBOX_RAW}/evtx", "POST")
    assert found is not None
    assert found.route is None
    assert found.resource.allow == ("GET", "HEAD")
    assert found.resource.path.template == "/v1/file_behaviours/{sandbox_id}/evtx"


def test_head_selects_the_get_route(table: RouteTable) -> None:
    assert route_name(table, f"/v1/file_behaviours/{SANDBOX_RAW}/evtx", "HEAD") == (
        "fileBehaviourEvtx"
    )


@pytest.mark.parametrize(
    "raw_path",
    [
        "/v1/files",
        "/v1/files//behaviours",
        "/v1/files/abc/behaviours/",
        "/v2/files/abc/behaviours",
        "/",
        "/v1/file_behaviours/x/relationships/file/extra",
    ],
)
def test_paths_no_route_declares_resolve_to_nothing(table: RouteTable, raw_path: str) -> None:
    assert table.resolve(raw_path, "GET") is None


def test_a_path_segment_that_is_not_utf8_is_an_invalid_argument(table: RouteTable) -> None:
    with pytest.raises(InvalidArgumentError, match="UTF-8"):
        table.resolve("/v1/files/%FF%FE/behaviours", "GET")


def test_a_template_with_text_around_a_parameter_matches_and_ranks_after_literals() -> None:
    mixed = PathTemplate.parse("/v1/reports/{id}.json")
    literal = PathTemplate.parse("/v1/reports/latest.json")
    assert mixed.match(["v1", "reports", "abc.json"]) == {"id": "abc"}
    assert mixed.match(["v1", "reports", "abc.xml"]) is None
    assert (
        literal.specificity < mixed.specificity < PathTemplate.parse("/v1/reports/{x}").specificity
    )


def test_a_built_path_encodes_each_value_once_as_a_single_segment() -> None:
    template = PathTemplate.parse("/v1/file_behaviours/{sandbox_id}/pcap")
    assert template.build({"sandbox_id": "x y/z"}) == "/v1/file_behaviours/x%20y%2Fz/pcap"
    assert template.build({"sandbox_id": ".."}) == "/v1/file_behaviours/%2E%2E/pcap"
