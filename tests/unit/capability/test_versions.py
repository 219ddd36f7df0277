"""Every spec version into one model: the same capability written in alpha2 and beta5, imports,
fragments, and the bad files a user writes; errors name the file, line and JSON path."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from iocgate.capability import (
    Capability,
    check_capability,
    lint_capability,
    load_capability,
    read_file,
    read_source,
    resolve_binds,
)
from iocgate.cli.main import main as cli
from iocgate.errors import CapabilityError
from iocgate.virustotal import DEFAULT_CAPABILITY

VERSIONS = Path(__file__).parents[2] / "fixtures" / "versions"


def describe(capability: Capability) -> object:
    """What the engine and adapters see: operations, routes and tools with their parameters."""
    ops = sorted(
        (
            o.qualified_name,
            o.method,
            o.base_uri,
            o.path,
            tuple((p.name, p.location) for p in o.parameters),
        )
        for o in capability.operations.values()
    )
    routes = (
        [(r.method, r.path, r.operation.qualified_name) for r in capability.rest.routes]
        if capability.rest
        else []
    )
    tools = (
        [
            (t.name, t.operation.qualified_name, tuple(p.name for p in t.parameters))
            for t in capability.mcp.tools
        ]
        if capability.mcp
        else []
    )
    return ops, routes, tools


def errors_of(path: Path) -> list[CapabilityError]:
    return check_capability(read_file(path), path)[1]


def test_alpha2_and_beta5_forms_of_one_capability_load_to_the_same_model() -> None:
    old, new = (
        load_capability(VERSIONS / "items-alpha2.yaml"),
        load_capability(VERSIONS / "items-beta5.yaml"),
    )
    assert describe(old)[1:] == describe(new)[1:]  # the beta5 fragment adds operations
    assert old.label == new.label == "Items"
    assert new.document.info.version == "2.1.0" and new.document.info.tags == ["inventory"]
    assert old.mcp is not None and old.mcp.tools[0].title == "Get item"
    assert new.rest is not None and new.rest.routes[0].path == "/v1/items/{id}"


def test_imported_fragment_keeps_its_parameters_templates_cookie_and_body() -> None:
    capability = load_capability(VERSIONS / "items-beta5.yaml")
    get_item = capability.operation("items-api.get-item")
    create = capability.operation("items-api.create-item")
    assert get_item is not None and create is not None
    kinds = {p.name: (p.location, p.value) for p in get_item.parameters}
    assert kinds["Api-Version"] == ("header", "{{ITEMS_VERSION}}")
    assert kinds["session"] == ("cookie", "s1") and kinds["id"][0] == "path"
    assert create.body_template is not None and create.body_template.type == "json"
    assert {p.name for p in create.parameters} >= {"name", "tags"}


def test_import_cycle_is_an_error_naming_both_files() -> None:
    errors = errors_of(VERSIONS / "cycle-a.yaml")
    message = next(str(e) for e in errors if "cycle" in str(e))
    assert "cycle-a.yaml" in message and "cycle-b.yaml" in message
    assert message.startswith(f"{VERSIONS / 'cycle-a.yaml'}:4:")


def test_duplicate_namespace_names_both_files() -> None:
    errors = errors_of(VERSIONS / "duplicate-namespace.yaml")
    assert len(errors) == 1
    assert "items-api" in errors[0].message and "items-consumes-beta5.yaml" in errors[0].message
    assert errors[0].field == "capability.consumes[1].namespace"


def test_alpha2_shapes_under_a_beta5_key_say_what_to_write_instead() -> None:
    errors = errors_of(VERSIONS / "beta5-written-as-alpha2.yaml")
    by_field = {e.field: e.message for e in errors}
    assert "writes `display`" in by_field["info.label"]
    assert "map keyed by name" in by_field["capability.consumes[0].resources"]
    assert all(e.line for e in errors)


def test_keyed_json_path_names_the_tool_by_its_key() -> None:
    text = (
        (VERSIONS / "items-beta5.yaml")
        .read_text()
        .replace("call: items-api.get-item\n        with", "call: items-api.nope\n        with")
    )
    source = read_source(text, "x.yaml")
    _, errors = check_capability(source, VERSIONS / "x.yaml")
    assert [e.field for e in errors] == ["capability.exposes[1].tools.get-item.call"]
    assert errors[0].line == text.splitlines().index("        call: items-api.nope") + 1


def test_constructs_not_run_yet_validate_but_are_named_for_serve() -> None:
    capability, errors = check_capability(read_file(VERSIONS / "orchestrated-beta5.yaml"))
    assert errors == [] and capability is not None
    notes = {e.field: e.message for e in capability.unsupported}
    assert not any("steps" in field for field in notes)  # steps run now (engine/flow.py)
    assert capability.mcp is not None
    assert [t.name for t in capability.mcp.tools] == ["ship-summary"]
    assert not any(field.startswith("capability.exposes[1]") for field in notes)  # skills run
    assert all(e.line for e in capability.unsupported)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("naftiko: 1.0.0-beta5\n", "written `ikanos: 1.0.0-beta5`"),
        ("ikanos: 2.0.0\n", "supported: naftiko: 1.0.0-alpha1 or 1.0.0-alpha2"),
        ("capability: {}\n", "start it with `ikanos: 1.0.0-beta5`"),
    ],
)
def test_unsupported_or_missing_versions_name_the_supported_ones(text: str, expected: str) -> None:
    _, errors = check_capability(read_source(text, "v.yaml"))
    assert expected in errors[0].message


def test_validate_cli_accepts_both_versions_and_lists_what_serve_refuses() -> None:
    run = CliRunner().invoke(
        cli,
        ["validate", str(VERSIONS / "items-alpha2.yaml"), str(VERSIONS / "items-beta5.yaml"),
         str(VERSIONS / "orchestrated-beta5.yaml")],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "not run yet: capability.consumes[0].tunnel" in run.output


def test_the_embedded_capability_and_its_migration_load_and_validate(tmp_path: Path) -> None:
    out = tmp_path / "seed.yaml"
    assert (
        CliRunner().invoke(cli, ["migrate", str(DEFAULT_CAPABILITY), "-o", str(out)]).exit_code == 0
    )
    for path in (DEFAULT_CAPABILITY, out):
        capability = load_capability(path)
        assert capability.unsupported == () and len(capability.operations) == 10


def test_strict_warns_of_newer_fields_and_the_rulesets_warnings() -> None:
    text = (VERSIONS / "items-alpha2.yaml").read_text()
    text = text.replace("  label: Items\n", "  label: Items\n  version: 1.2.3\n")
    source = read_source(text, str(VERSIONS / "x.yaml"))
    capability, errors = check_capability(source, VERSIONS / "x.yaml")
    assert errors == [] and capability is not None
    fragment = (VERSIONS / "shared" / "items-consumes.yaml").read_text()
    shared = read_source(fragment.replace("/api\n", "/api/\n"), "f.yaml")
    fragment_capability, _ = check_capability(shared)
    assert fragment_capability is not None
    warnings = lint_capability(capability.document, capability.source, capability.origin)
    warnings += lint_capability(
        fragment_capability.document, fragment_capability.source, fragment_capability.origin
    )
    by_field = {w.field: w for w in warnings}
    assert "since 1.0.0-beta4" in by_field["Info.version"].message
    assert by_field["Info.version"].line == 5
    assert by_field["consumes-baseuri-no-trailing-slash"].file == "f.yaml"


def test_migrating_the_alpha2_form_gives_the_beta5_form(tmp_path: Path) -> None:
    out = tmp_path / "items.yaml"
    (tmp_path / "shared").mkdir()
    for name in ("items-consumes.yaml",):
        (tmp_path / "shared" / name).write_text((VERSIONS / "shared" / name).read_text())
    source = tmp_path / "items-alpha2.yaml"
    source.write_text((VERSIONS / "items-alpha2.yaml").read_text())
    run = CliRunner().invoke(cli, ["migrate", str(source), "-o", str(out)])
    assert run.exit_code == 0, run.output
    text = out.read_text()
    assert text.startswith("# The items capability")  # the leading comments are kept
    assert "from: ./shared/items-consumes.yaml" in text and "label:" not in text
    migrated = load_capability(out)
    assert describe(migrated) == describe(load_capability(source))
    assert check_capability(read_file(out), out)[1] == []


def test_migrate_refuses_a_file_that_is_already_ikanos(tmp_path: Path) -> None:
    run = CliRunner().invoke(cli, ["migrate", str(VERSIONS / "items-beta5.yaml")])
    assert run.exit_code == 1 and "only naftiko" in run.output


def test_a_file_bind_written_file_dot_slash_is_relative_to_the_capability(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "secrets.yaml").write_text("registry-token: t0ken\n")
    path = tmp_path / "cap.yaml"
    path.write_text(
        "ikanos: 1.0.0-beta5\n"
        "binds:\n"
        "- namespace: secrets\n"
        "  location: file:///./shared/secrets.yaml\n"
        "  keys: {REGISTRY_TOKEN: registry-token}\n"
        "consumes:\n"
        "- {type: http, namespace: up, baseUri: 'https://up.example', resources: {}}\n"
    )
    capability = load_capability(path)
    values = resolve_binds(capability.binds, capability_file=str(path), base=tmp_path, environ={})
    assert values["REGISTRY_TOKEN"] == "t0ken"
