"""Query arguments, cache directives, request ids and gzip negotiation of a REST request."""

from __future__ import annotations

import pytest

from iocgate.capability import Capability, RestRoute
from iocgate.engine import CacheMode
from iocgate.errors import InvalidArgumentError
from iocgate.exposes.rest.compression import accepts_gzip
from iocgate.exposes.rest.params import cache_mode, inbound_arguments, request_id


@pytest.fixture
def relationship_route(seed_capability: Capability) -> RestRoute:
    assert seed_capability.rest is not None
    return next(r for r in seed_capability.rest.routes if r.path.endswith("/{relationship}"))


def test_declared_query_parameters_join_the_path_values(relationship_route: RestRoute) -> None:
    path = {"sandbox_id": "s", "relationship": "file"}
    arguments = inbound_arguments(relationship_route, path, b"limit=5&cursor=Q%3D%3D")
    assert arguments == {**path, "limit": "5", "cursor": "Q=="}


def test_an_unknown_query_parameter_is_refused_naming_the_allowed_ones(
    relationship_route: RestRoute,
) -> None:
    with pytest.raises(InvalidArgumentError, match=r"'limt'.*allowed: cursor, limit"):
        inbound_arguments(relationship_route, {}, b"limt=5")


def test_a_query_parameter_given_twice_is_refused(relationship_route: RestRoute) -> None:
    with pytest.raises(InvalidArgumentError, match="more than once"):
        inbound_arguments(relationship_route, {}, b"limit=5&limit=6")


@pytest.mark.parametrize(
    ("header", "mode"),
    [
        (None, CacheMode.USE),
        ("max-age=60", CacheMode.USE),
        ("no-cache", CacheMode.REFRESH),
        ("No-Cache, max-age=0", CacheMode.REFRESH),
        ("no-store", CacheMode.BYPASS),
        ("no-cache, no-store", CacheMode.BYPASS),
    ],
)
def test_cache_control_chooses_the_cache_mode(header: str | None, mode: CacheMode) -> None:
    assert cache_mode(header) is mode


def test_a_sane_request_id_is_kept_and_anything_else_is_replaced() -> None:
    assert request_id("abc-123_X.y") == "abc-123_X.y"
    for bad in (None, "", "x" * 129, "has space", "new\nline", "<script>"):
        replaced = request_id(bad)
        assert replaced != bad
        assert len(replaced) == 32


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
    ],
)
def test_gzip_is_used_only_when_the_client_accepts_it(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted
