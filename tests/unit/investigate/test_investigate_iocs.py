"""IoC lists: CSV rows ``type,value,context,sandboxes`` and JSON, values verbatim."""

from __future__ import annotations

import csv
import io

from iocgate.sim.hostile import HOSTILE_HOST, XSS_PAYLOADS
from iocgate.virustotal.exports import IOC_TYPES, iocs_csv, iocs_json
from iocgate.virustotal.investigate import Brief


def rows(brief: Brief) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(iocs_csv(brief), newline="")))


def test_the_csv_has_the_seven_columns_and_one_row_per_indicator(
    briefs: dict[str, Brief],
) -> None:
    brief = briefs["rich"]
    text = iocs_csv(brief)
    assert text.splitlines()[0] == "type,value,context,sandboxes,classification,confidence,reason"
    parsed = rows(brief)
    expected = [i for i in brief.indicators.all() if i.type in IOC_TYPES]
    assert [(r["type"], r["value"]) for r in parsed] == sorted(
        ((i.type, i.value) for i in expected), key=lambda pair: IOC_TYPES.index(pair[0])
    )
    domain = next(r for r in parsed if r["type"] == "domain")
    assert domain["sandboxes"].split(";")[0] in brief.sandbox_names()


def test_hostile_values_survive_the_csv_round_trip_unchanged(briefs: dict[str, Brief]) -> None:
    values = {r["value"] for r in rows(briefs["hostile"])}
    assert f"http://{HOSTILE_HOST}/{XSS_PAYLOADS[0]}" in values
    assert f"Global\\{XSS_PAYLOADS[0]}" in values


def test_the_json_list_states_totals_per_type(briefs: dict[str, Brief]) -> None:
    data = iocs_json(briefs["rich"])
    assert set(data["totals"]) == set(IOC_TYPES)
    assert data["totals"]["domain"] == briefs["rich"].indicators.domains.total
    assert {item["type"] for item in data["indicators"]} <= set(IOC_TYPES)
    assert data["file"]["sha256"] == briefs["rich"].file.sha256


def test_a_file_without_behaviour_has_an_empty_list_with_a_header(
    briefs: dict[str, Brief],
) -> None:
    assert (
        iocs_csv(briefs["none"])
        == "type,value,context,sandboxes,classification,confidence,reason\r\n"
    )
    assert iocs_json(briefs["none"])["indicators"] == []
