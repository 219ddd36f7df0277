"""``maxBinarySize``: the spec's sizes with a unit; a malformed size or an unknown format is
refused at start-up."""

from __future__ import annotations

import textwrap

import pytest

from iocgate.capability import load_capability_text, resolve_binds
from iocgate.engine import Engine, LoadedCapability
from iocgate.engine.formats import DEFAULT_MAX_BINARY_BYTES, max_binary_bytes, parse_binary_size
from iocgate.errors import CapabilityError


@pytest.mark.parametrize(
    ("text", "size"),
    [("100B", 100), ("512KiB", 512 * 1024), ("5MiB", 5 * 1024**2), ("1.5GiB", 3 * 1024**3 // 2)],
)
def test_sizes_with_a_unit(text: str, size: int) -> None:
    assert parse_binary_size(text) == size


@pytest.mark.parametrize("text", ["10", "5MB", "5 MiB", "-1KiB", "KiB"])
def test_a_size_without_a_known_unit_names_the_units(text: str) -> None:
    with pytest.raises(CapabilityError, match="B, KiB, MiB or GiB"):
        parse_binary_size(text)


def test_undeclared_size_is_ten_mebibytes() -> None:
    assert max_binary_bytes(None) == DEFAULT_MAX_BINARY_BYTES == 10 * 1024 * 1024


def test_engine_refuses_a_malformed_max_binary_size_at_start_up() -> None:
    capability = load_capability_text(
        textwrap.dedent(
            """\
            naftiko: 1.0.0-alpha2
            info: {label: B}
            capability:
              consumes:
              - type: http
                namespace: up
                baseUri: http://up.test
                resources:
                - name: r
                  path: /r
                  operations: [{name: get, outputRawFormat: binary, maxBinarySize: 5MB}]
              exposes:
              - {type: mcp, namespace: m, tools: [{name: t, call: up.get}]}
            """
        )
    )
    binds = resolve_binds(capability.binds, capability_file="b.yaml", environ={})
    with pytest.raises(CapabilityError, match="maxBinarySize '5MB'"):
        Engine([LoadedCapability(capability, binds)])


def test_engine_refuses_an_unknown_output_raw_format_naming_the_known_ones() -> None:
    capability = load_capability_text(
        textwrap.dedent(
            """\
            naftiko: 1.0.0-alpha2
            info: {label: F}
            capability:
              consumes:
              - type: http
                namespace: up
                baseUri: http://up.test
                resources:
                - {name: r, path: /r, operations: [{name: get, outputRawFormat: protobuff}]}
              exposes:
              - {type: mcp, namespace: m, tools: [{name: t, call: up.get}]}
            """
        )
    )
    binds = resolve_binds(capability.binds, capability_file="f.yaml", environ={})
    with pytest.raises(CapabilityError, match=r"'protobuff' of up\.get .* avro, binary, csv"):
        Engine([LoadedCapability(capability, binds)])
