"""The generic budget rules, on plain JSON: fit, count what was cut, page through the rest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocgate.exposes.mcp.shaping import SectionError, dumps, fit_answer, text_size


def _size(value: Any) -> int:
    return len(dumps(value).encode())


def test_an_answer_within_budget_comes_back_verbatim() -> None:
    data = {"data": {"a": [1, 2, 3], "empty": []}}
    shaped = fit_answer(data, budget_bytes=1000)
    assert not shaped.is_shaped
    assert shaped.structured == data
    assert shaped.text == dumps(data)


def test_a_non_object_answer_is_wrapped_as_result() -> None:
    shaped = fit_answer([1, 2], budget_bytes=1000)
    assert shaped.structured == {"result": [1, 2]}


def test_a_long_list_keeps_its_first_items_and_states_its_total() -> None:
    data = {"data": {"keys": [f"HKLM\\Software\\Key{i:05d}" for i in range(5000)]}}
    shaped = fit_answer(data, budget_bytes=4000)
    assert text_size(shaped.text) <= 4000
    kept = shaped.structured["data"]["keys"]
    assert kept == data["data"]["keys"][: len(kept)]
    assert 10 < len(kept) < 5000
    notes = shaped.structured["_iocgate"]
    assert notes["trimmed"] == [{"section": "/data/keys", "shown": len(kept), "total": 5000}]
    assert notes["original_bytes"] == _size(data)


def test_small_fields_survive_while_a_big_neighbour_is_trimmed() -> None:
    data = {"verdict": "MALWARE", "tags": ["A", "B"], "noise": ["x" * 40] * 2000}
    shaped = fit_answer(data, budget_bytes=3000)
    assert shaped.structured["verdict"] == "MALWARE"
    assert shaped.structured["tags"] == ["A", "B"]
    assert len(shaped.structured["noise"]) < 2000


def test_empty_fields_are_dropped_when_an_answer_is_condensed() -> None:
    data = {"a": None, "b": "", "c": [], "d": {}, "e": {"f": []}, "big": ["y" * 50] * 500}
    shaped = fit_answer(data, budget_bytes=2000)
    assert set(shaped.structured) == {"big", "_iocgate"}


def test_a_long_string_keeps_its_beginning_and_counts_characters() -> None:
    data = {"html": "<p>" + "z" * 20_000}
    shaped = fit_answer(data, budget_bytes=3000)
    kept = shaped.structured["html"]
    assert data["html"].startswith(kept)
    note = shaped.structured["_iocgate"]["trimmed"][0]
    assert note == {"section": "/html", "shown": len(kept), "total": 20_003, "unit": "characters"}


def test_a_map_with_many_small_entries_keeps_whole_entries_and_counts_keys() -> None:
    data = {
        "techniques": {f"T{1000 + i}": [{"severity": "INFO", "d": "x" * 60}] for i in range(80)}
    }
    shaped = fit_answer(data, budget_bytes=2500)
    kept = shaped.structured["techniques"]
    assert len(kept) >= 15
    assert all(value == data["techniques"][key] for key, value in kept.items())
    assert list(kept) == list(data["techniques"])[: len(kept)]
    trims = shaped.structured["_iocgate"]["trimmed"]
    assert trims == [{"section": "/techniques", "shown": len(kept), "total": 80, "unit": "keys"}]


def test_a_short_list_of_big_objects_keeps_every_object_condensed() -> None:
    reports = [{"sandbox": f"S{i}", "calls": [f"call{j}" for j in range(2000)]} for i in range(3)]
    shaped = fit_answer({"data": reports}, budget_bytes=6000)
    kept = shaped.structured["data"]
    assert [report["sandbox"] for report in kept] == ["S0", "S1", "S2"]
    sections = {note["section"] for note in shaped.structured["_iocgate"]["trimmed"]}
    assert sections == {"/data/0/calls", "/data/1/calls", "/data/2/calls"}


def test_section_and_offset_return_the_next_items_with_their_position() -> None:
    items = [f"item-{i}" for i in range(3000)]
    data = {"data": {"attributes": {"files_opened": items, "other": 1}}}
    first = fit_answer(data, budget_bytes=3000)
    shown = first.structured["_iocgate"]["trimmed"][0]["shown"]
    page = fit_answer(
        data, budget_bytes=3000, section="/data/attributes/files_opened", offset=shown
    )
    body = page.structured
    assert text_size(page.text) <= 3000
    assert body["section"] == "/data/attributes/files_opened"
    assert body["offset"] == shown
    assert body["total"] == 3000
    assert body["items"] == items[shown : shown + len(body["items"])]
    assert body["next_offset"] == shown + len(body["items"])


def test_walking_every_page_of_a_section_yields_the_whole_list() -> None:
    items = [{"key": f"HKCU\\Run\\{i}", "value": "v" * (i % 17)} for i in range(700)]
    data = {"data": {"registry_keys_set": items}}
    collected: list[Any] = []
    offset: int | None = 0
    calls = 0
    while offset is not None:
        page = fit_answer(data, budget_bytes=4000, section="registry_keys_set", offset=offset)
        collected += page.structured["items"]
        offset = page.structured["next_offset"]
        calls += 1
    assert collected == items
    assert calls > 3


def test_a_field_name_that_occurs_twice_asks_for_a_path() -> None:
    data = {"data": [{"attributes": {"tags": ["a"] * 400}}, {"attributes": {"tags": ["b"] * 400}}]}
    with pytest.raises(SectionError, match="/data/0/attributes/tags"):
        fit_answer(data, budget_bytes=1000, section="tags")


def test_a_section_that_names_nothing_is_refused() -> None:
    with pytest.raises(SectionError, match="names nothing"):
        fit_answer({"data": {}}, budget_bytes=1000, section="/data/missing")


def test_an_offset_past_the_end_returns_no_items() -> None:
    page = fit_answer({"x": [1, 2, 3]}, budget_bytes=1000, section="x", offset=10)
    assert page.structured["items"] == []
    assert page.structured["next_offset"] is None
    assert page.structured["total"] == 3


def test_a_section_of_a_long_string_pages_by_characters() -> None:
    text = "".join(chr(0x41 + i % 26) for i in range(10_000))
    page = fit_answer({"html": text}, budget_bytes=2000, section="html", offset=100)
    assert page.structured["unit"] == "characters"
    assert page.structured["text"] == text[100 : 100 + len(page.structured["text"])]
    assert page.structured["next_offset"] == 100 + len(page.structured["text"])


def test_pointers_escape_slashes_in_field_names() -> None:
    data = {"data": {"a/b": ["q" * 30] * 300}}
    shaped = fit_answer(data, budget_bytes=1500)
    section = shaped.structured["_iocgate"]["trimmed"][0]["section"]
    assert section == "/data/a~1b"
    page = fit_answer(data, budget_bytes=1500, section=section, offset=1)
    assert page.structured["total"] == 300


def test_multibyte_text_is_counted_in_utf8_bytes() -> None:
    data = {"names": ["ファイル名" * 4] * 500}
    shaped = fit_answer(data, budget_bytes=3000)
    assert len(shaped.text.encode()) <= 3000
    assert len(shaped.text) < 3000


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=40)
        | st.dictionaries(st.text(max_size=12), children, max_size=12)
    ),
    max_leaves=400,
)


@settings(max_examples=60, deadline=None)
@given(data=_json, budget=st.integers(min_value=1500, max_value=6000))
def test_any_json_is_fitted_within_its_budget_and_states_integer_totals(
    data: Any, budget: int
) -> None:
    shaped = fit_answer(data, budget_bytes=budget)
    assert len(shaped.text.encode()) <= budget
    # an answer that fits is its own text (a bare array stays one); a shaped one is the object
    bare = not shaped.is_shaped and not isinstance(data, dict)
    assert json.loads(shaped.text) == (data if bare else shaped.structured)
    for note in shaped.structured.get("_iocgate", {}).get("trimmed", []):
        assert isinstance(note["total"], int)
        assert isinstance(note["shown"], int)
        assert note["shown"] < note["total"]
