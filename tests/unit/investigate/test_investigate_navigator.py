"""The ATT&CK Navigator layer validates against the layer format 4.5 and says what was seen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from iocgate.errors import InvalidArgumentError
from iocgate.virustotal.exports import LAYER_VERSIONS, navigator_layer
from iocgate.virustotal.investigate import Brief, Severity

SCHEMA = json.loads((Path(__file__).parent / "navigator_layer_schema.json").read_text())


def validate(layer: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(layer)


@pytest.mark.parametrize("kind", ["rich", "poor", "none", "hostile", "huge", "linux"])
def test_the_merged_layer_validates_against_the_layer_format(
    briefs: dict[str, Brief], kind: str
) -> None:
    layer = navigator_layer(briefs[kind])
    validate(layer)
    assert layer["versions"] == {"attack": "16", "navigator": "5.1.0", "layer": "4.5"}
    assert layer["domain"] == "enterprise-attack"


def test_the_schema_refuses_a_layer_that_breaks_the_format(briefs: dict[str, Brief]) -> None:
    layer = navigator_layer(briefs["rich"])
    layer["techniques"][0]["tactic"] = "Defense Evasion"  # a name, not the shortname
    with pytest.raises(jsonschema.ValidationError):
        validate(layer)


def test_every_technique_appears_once_per_tactic_with_its_severity_score(
    briefs: dict[str, Brief],
) -> None:
    brief = briefs["rich"]
    layer = navigator_layer(brief)
    entries = {(e["techniqueID"], e["tactic"]): e for e in layer["techniques"]}
    expected = {(t.id, tactic.shortname) for t in brief.techniques for tactic in t.tactics}
    assert set(entries) == expected
    for technique in brief.techniques:
        for tactic in technique.tactics:
            entry = entries[(technique.id, tactic.shortname)]
            assert entry["score"] == technique.severity.score
            assert entry["color"] == technique.severity.color


def test_comments_name_the_signatures_and_metadata_the_sandboxes(
    briefs: dict[str, Brief],
) -> None:
    brief = briefs["rich"]
    technique = brief.techniques[0]
    entry = next(
        e for e in navigator_layer(brief)["techniques"] if e["techniqueID"] == technique.id
    )
    assert technique.signatures[0].description in entry["comment"]
    meta = {item["name"]: item["value"] for item in entry["metadata"]}
    assert meta["sandboxes"] == ", ".join(technique.sandboxes)
    assert meta["agreement"].startswith(str(technique.agreement))


def test_a_per_sandbox_layer_holds_only_what_that_sandbox_saw(briefs: dict[str, Brief]) -> None:
    brief = briefs["rich"]
    layer = navigator_layer(brief, sandbox="CAPA")
    validate(layer)
    seen = {t.id for t in brief.techniques if "CAPA" in t.sandboxes}
    assert {e["techniqueID"] for e in layer["techniques"]} == seen
    assert seen != {t.id for t in brief.techniques}
    # CAPA's matches are informational, whatever other sandboxes said about the technique
    assert {e["score"] for e in layer["techniques"]} == {Severity.INFO.score}


def test_an_unknown_sandbox_is_refused_naming_the_known_ones(briefs: dict[str, Brief]) -> None:
    with pytest.raises(InvalidArgumentError, match="Zenbox"):
        navigator_layer(briefs["rich"], sandbox="Nope")


def test_the_legend_lists_the_severities_in_use(briefs: dict[str, Brief]) -> None:
    layer = navigator_layer(briefs["rich"])
    used = {t.severity.label for t in briefs["rich"].techniques}
    assert {item["label"].removeprefix("severity ") for item in layer["legendItems"]} == used
    assert LAYER_VERSIONS["layer"] == "4.5"
