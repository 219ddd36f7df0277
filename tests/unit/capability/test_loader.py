"""Loading the seed and broken capability files: errors name the file, the line and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iocgate.capability import (
    check_capability,
    lint_capability,
    load_capability,
    load_capability_text,
    read_source,
)
from iocgate.errors import CapabilityError
from iocgate.virustotal import DEFAULT_CAPABILITY

GOOD = """\
naftiko: 1.0.0-alpha2
info:
  label: Items
binds:
- namespace: env
  keys:
    ITEMS_KEY: ITEMS_KEY
capability:
  consumes:
  - type: http
    namespace: up
    description: Items API
    baseUri: https://items.example/api
    authentication: {type: apikey, key: x-key, value: '{{ITEMS_KEY}}', placement: header}
    resources:
    - name: item
      path: /items/{{id}}
      operations:
      - name: getItem
        method: GET
        inputParameters:
        - {name: id, in: path}
        - {name: verbose, in: query, type: boolean, required: false}
  exposes:
  - type: mcp
    namespace: tools-ns
    port: 9090
    tools:
    - name: get-item
      description: Get an item
      call: up.getItem
      with: {id: tools.id, verbose: '{{verbose}}'}
"""


def errors_of(text: str) -> list[CapabilityError]:
    try:
        source = read_source(textwrap.dedent(text), "cap.yaml")
    except CapabilityError as exc:
        return [exc]
    _, errors = check_capability(source)
    return errors


def test_seed_loads_ten_operations_routes_and_tools() -> None:
    capability = load_capability(DEFAULT_CAPABILITY)
    assert len(capability.operations) == 10
    assert capability.rest is not None and len(capability.rest.routes) == 10
    assert capability.mcp is not None and len(capability.mcp.tools) == 10
    assert capability.rest.port == 8080 and capability.mcp.port == 9090


def test_seed_rest_parameters_come_from_consumed_input_parameters() -> None:
    capability = load_capability(DEFAULT_CAPABILITY)
    assert capability.rest is not None
    route = next(
        r for r in capability.rest.routes if r.path.endswith("/relationships/{relationship}")
    )
    params = {p.name: p for p in route.parameters}
    assert params["sandbox_id"].location == "path" and params["sandbox_id"].required
    assert params["limit"].location == "query" and params["limit"].type == "integer"
    assert not params["cursor"].required


def test_seed_tool_maps_its_arguments_and_drops_absent_optionals() -> None:
    capability = load_capability(DEFAULT_CAPABILITY)
    assert capability.mcp is not None
    tool = next(
        t for t in capability.mcp.tools if t.name == "get-object-descriptors-related-behaviour"
    )
    args = tool.upstream_arguments({"sandbox_id": "x_y", "relationship": "file", "limit": None})
    assert args == {"sandbox_id": "x_y", "relationship": "file"}


def test_mustache_paths_and_references_resolve_like_openapi_ones() -> None:
    capability = load_capability_text(GOOD)
    operation = capability.operation("getItem")
    assert operation is not None and operation.path == "/items/{id}"
    assert capability.mcp is not None
    tool = capability.mcp.tools[0]
    assert tool.upstream_arguments({"id": "7", "verbose": True}) == {"id": "7", "verbose": True}


def test_unknown_fields_are_kept_not_fatal() -> None:
    capability = load_capability_text(GOOD.replace("  label: Items", "  label: Items\n  owner: me"))
    assert capability.document.info.model_extra == {"owner": "me"}


def test_bad_yaml_names_the_line() -> None:
    [error] = errors_of("naftiko: 1.0.0-alpha2\ninfo:\n  label: [oops\n")
    assert error.file == "cap.yaml" and error.line is not None and "not valid YAML" in str(error)


def test_missing_required_field_names_its_line_and_field() -> None:
    [error] = errors_of(GOOD.replace("    baseUri: https://items.example/api\n", ""))
    assert error.field == "capability.consumes[0].baseUri"
    assert error.line == 10  # the consumes entry that lacks it
    assert "required" in error.message


def test_call_naming_no_consumed_operation_is_an_error_on_its_line() -> None:
    text = GOOD.replace("call: up.getItem", "call: up.getThing")
    [error] = errors_of(text)
    assert error.field == "capability.exposes[0].tools[0].call"
    assert error.line == text.splitlines().index("      call: up.getThing") + 1
    assert "up.getItem" in error.message  # says what exists


def test_with_naming_a_missing_parameter_warns_and_an_unmapped_path_parameter_errs() -> None:
    text = textwrap.dedent(GOOD.replace("with: {id: tools.id,", "with: {idd: tools.id,"))
    capability, [error] = check_capability(read_source(text, "cap.yaml"))
    assert "path parameter 'id' of up.getItem is mapped by no `with` entry" in error.message
    assert error.field == "capability.exposes[0].tools[0].with"
    assert capability is not None
    [warning] = capability.warnings
    assert "'idd' is not a parameter of up.getItem" in warning.message
    assert warning.field == "capability.exposes[0].tools[0].with.idd"


def test_two_tools_with_one_name_are_an_error() -> None:
    text = GOOD + "    - name: get-item\n      call: up.getItem\n"
    [error] = errors_of(text)
    assert "used twice" in error.message and error.line == len(text.splitlines()) - 1


def test_port_out_of_range_is_an_error() -> None:
    [error] = errors_of(GOOD.replace("port: 9090", "port: 70000"))
    assert error.field == "capability.exposes[0].port" and "70000" in error.message


def test_unsupported_spec_version_is_named() -> None:
    [error] = errors_of(GOOD.replace("1.0.0-alpha2", "9.9"))
    assert error.field == "naftiko" and "9.9" in error.message


def test_load_raises_the_first_error_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("port: 9090", "port: 0"))
    with pytest.raises(CapabilityError) as caught:
        load_capability(path)
    assert str(caught.value).startswith(f"{path}:")


def test_strict_lint_reports_the_seeds_three_kinds_of_deviation() -> None:
    capability = load_capability(DEFAULT_CAPABILITY)
    warnings = lint_capability(capability.document, capability.source)
    kinds = {w.field for w in warnings}
    assert kinds == {
        "ConsumedInputParameter",
        "ExposesRest.description",
        "MappedOutputParameterObject.properties",
    }
    # 16 in the seed, plus `limit` and `cursor` on the behaviours operation (#22)
    assert sum(w.field == "ConsumedInputParameter" for w in warnings) == 18
    assert all(w.line for w in warnings)


def test_strict_lint_is_silent_on_a_schema_valid_file() -> None:
    capability = load_capability_text(GOOD.replace(", type: boolean, required: false", ""))
    assert lint_capability(capability.document, capability.source) == []


def test_a_second_mcp_adapter_is_checked_and_served_beside_the_first() -> None:
    second = GOOD + textwrap.indent(
        textwrap.dedent("""\
        - type: mcp
          namespace: more-tools
          port: 9191
          tools:
          - name: other
            description: Other
            call: up.noSuchOperation
        """),
        "  ",
    )
    errors = errors_of(second)
    assert any("noSuchOperation" in e.message for e in errors)  # the second is still checked
    fixed = second.replace("up.noSuchOperation", "up.getItem")
    capability, errors = check_capability(read_source(fixed, "cap.yaml"))
    assert capability is not None and not errors
    assert capability.mcp is not None and capability.mcp.namespace == "tools-ns"
    assert [m.namespace for m in capability.more_mcp] == ["more-tools"]
    assert not capability.unsupported
