"""Property tests: no argument value, however crafted, changes the upstream path or query."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from iocgate.capability import Capability, resolve_binds
from iocgate.engine.request import build_upstream_request, coerce_arguments
from iocgate.errors import InvalidArgumentError
from iocgate.virustotal import BEHAVIOUR_RELATIONSHIPS
from iocgate.virustotal.ids import check_argument

SHA = "a" * 64
TRICKS = st.sampled_from(
    ["/", "\\", "..", "%2F", "%252F", "?", "#", "\x00", "\u2215", "\uff0f", "%", "&", "=", " "]
)
HOSTILE = st.lists(st.one_of(TRICKS, st.text(max_size=8)), max_size=12).map("".join)


def refusal(path: str, name: str, value: object, known: tuple[str, ...] = ()) -> str | None:
    """The error message when the argument is refused, else None."""
    try:
        check_argument(path, name, value, known)
    except InvalidArgumentError as exc:
        return exc.message
    return None


@settings(max_examples=300, deadline=None)
@given(suffix=HOSTILE)
def test_a_sandbox_id_is_refused_or_stays_one_segment(
    seed_capability: Capability, suffix: str
) -> None:
    operation = seed_capability.operation("getFileBehaviourId")
    assert operation is not None
    value = f"{SHA}_{suffix}"
    refused = refusal(operation.path, "sandbox_id", value, BEHAVIOUR_RELATIONSHIPS)
    if refused is not None:
        assert "sandbox_id must be" in refused
        return
    binds = resolve_binds(
        seed_capability.binds, capability_file="seed", environ={"VIRUSTOTAL_API_KEY": "k"}
    )
    request = build_upstream_request(
        operation, coerce_arguments(operation, {"sandbox_id": value}), binds
    )
    parts = urlsplit(request.url)
    assert parts.query == "" and parts.fragment == ""
    assert parts.path.split("/")[:-1] == ["", "api", "v3", "file_behaviours"]
    assert not any(c in suffix for c in "/\\?#%\x00")


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(HOSTILE, st.text(alphabet="0123456789abcdefABCDEF", min_size=30, max_size=66))
)
def test_only_real_hashes_pass_as_file_ids(value: str) -> None:
    if refusal("/files/{id}/behaviours", "id", value) is not None:
        return
    assert len(value) in (32, 40, 64) and all(c in "0123456789abcdefABCDEF" for c in value)


@given(value=st.one_of(st.integers(), st.text(max_size=6)))
def test_limit_outside_1_to_40_is_refused(value: object) -> None:
    refused = refusal("/file_behaviours/{sandbox_id}/{relationship}", "limit", value)
    if refused is not None:
        assert "1 to 40" in refused
        return
    assert isinstance(value, int) and 1 <= value <= 40


@given(name=st.text(max_size=30))
def test_only_known_relationships_pass(name: str) -> None:
    path = "/file_behaviours/{sandbox_id}/{relationship}"
    refused = refusal(path, "relationship", name, BEHAVIOUR_RELATIONSHIPS)
    if refused is not None:
        assert "contacted_domains" in refused  # the error lists what is allowed
        return
    assert name in BEHAVIOUR_RELATIONSHIPS
