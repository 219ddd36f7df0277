"""Microcks response templates: what `{{ request... }}` turns into."""

from __future__ import annotations

import json

from iocgate.mock.templates import TemplateRequest, render

REQUEST = TemplateRequest(
    body=json.dumps({"crew": ["C-1", "C-2"], "berth": "B1", "length": 32.5}),
    path="/vessels/244123456/inspections",
    params={"year": "2025"},
    headers={"x-agent": "AG-7"},
)


def test_a_json_array_or_number_is_inserted_as_json() -> None:
    rendered = render('{"crew": {{ request.body/crew }}, "loa": {{request.body/length}}}',
                      REQUEST, "application/json")  # fmt: skip
    assert json.loads(rendered) == {"crew": ["C-1", "C-2"], "loa": 32.5}


def test_path_pieces_params_and_headers_are_readable() -> None:
    template = "{{ request.path[2] }} {{ request.params[year] }} {{ request.headers[X-Agent] }}"
    assert render(template, REQUEST, "text/plain") == "244123456 2025 AG-7"


def test_an_unknown_expression_is_left_as_written() -> None:
    assert render("id {{ uuid() }}", REQUEST, "text/plain") == "id {{ uuid() }}"


def test_a_missing_field_falls_back_through_the_chain() -> None:
    template = "{{ request.body/pilot || request.params[pilot] || 'none' }}"
    assert render(template, REQUEST, "text/plain") == "none"
