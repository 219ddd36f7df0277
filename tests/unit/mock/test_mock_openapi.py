"""Reading OpenAPI files for the mock: what cannot be mocked is named with the file and the node."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from iocgate.mock import MockSpecError, create_app, load_services

HEAD = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_two_files_with_the_same_title_and_version_are_refused(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", HEAD + "paths: {}\n")
    second = _write(tmp_path, "b.yaml", HEAD + "paths: {}\n")
    with pytest.raises(MockSpecError, match=r"b\.yaml: service 't' version '1' is already served"):
        load_services([first, second])


def test_swagger_2_is_refused_with_what_to_do(tmp_path: Path) -> None:
    spec = _write(tmp_path, "s.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\n")
    with pytest.raises(MockSpecError, match="convert it to OpenAPI 3"):
        load_services([spec])


def test_a_reference_to_another_file_is_named(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        "r.yaml",
        HEAD + "paths:\n  /a:\n    get:\n      responses: {$ref: 'other.yaml#/responses'}\n",
    )
    with pytest.raises(MockSpecError, match=r"paths\./a\.get\.responses: only local references"):
        load_services([spec])


def test_fallback_rules_that_are_not_json_are_named(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        "f.yaml",
        HEAD + "paths:\n  /a:\n    get:\n"
        "      x-microcks-operation: {dispatcher: FALLBACK, dispatcherRules: 'status'}\n"
        "      responses: {'200': {description: ok}}\n",
    )
    with pytest.raises(MockSpecError, match="FALLBACK rules must be JSON"):
        load_services([spec])


@pytest.mark.anyio
async def test_a_script_that_is_not_a_literal_return_explains_the_400(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        "g.yaml",
        HEAD + "paths:\n  /a:\n    post:\n"
        "      x-microcks-operation:\n        dispatcher: SCRIPT\n"
        "        dispatcherRules: \"def x = 1; return 'ok'\"\n"
        "      responses:\n        '200':\n          description: ok\n"
        "          content: {application/json: {examples: {ok: {value: {done: true}}}}}\n",
    )
    app = create_app(load_services([spec]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as c:
        response = await c.post("/rest/t/1/a")
    assert response.status_code == 400
    assert "runs no scripts" in response.json()["error"]["message"]


@pytest.mark.anyio
async def test_accept_picks_the_media_type_of_a_same_named_example(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        "m.yaml",
        HEAD + "paths:\n  /a:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n          content:\n"
        "            application/json: {examples: {one: {value: {n: 1}}}}\n"
        "            application/xml: {examples: {one: {value: '<n>1</n>'}}}\n",
    )
    app = create_app(load_services([spec]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as c:
        xml = await c.get("/rest/t/1/a", headers={"accept": "application/xml"})
        json_answer = await c.get("/rest/t/1/a", headers={"accept": "application/json"})
        anything = await c.get("/rest/t/1/a")
    assert xml.text == "<n>1</n>"
    assert json_answer.json() == {"n": 1}
    assert anything.json() == {"n": 1}  # the first declared when the client does not say


@pytest.mark.anyio
async def test_the_service_root_and_a_no_content_ref_named_by_a_request_body(
    tmp_path: Path,
) -> None:
    spec = _write(
        tmp_path,
        "n.yaml",
        HEAD + "paths:\n  /:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n"
        "          content: {application/json: {examples: {root: {value: {up: true}}}}}\n"
        "    put:\n"
        "      x-microcks-operation: {dispatcher: SCRIPT, dispatcherRules: return 'saved'}\n"
        "      requestBody:\n"
        "        content: {application/json: {examples: {saved: {value: {}}}}}\n"
        "      responses:\n        '204': {description: saved, x-microcks-refs: [saved]}\n",
    )
    app = create_app(load_services([spec]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as c:
        root = await c.get("/rest/t/1")
        saved = await c.put("/rest/t/1/", json={})
    assert root.json() == {"up": True}
    assert saved.status_code == 204


def _rule(operator: str, cases: str) -> str:
    return f'{{"exp": "/n", "operator": "{operator}", "cases": {cases}}}'


@pytest.mark.parametrize(
    ("rules", "body", "expected"),
    [
        (_rule("range", '{"[0;10[": "small", "[10;100]": "big", "default": "odd"}'), 10, "big"),
        (_rule("range", '{"]0;10]": "small", "default": "odd"}'), 0, "odd"),
        (_rule("regexp", '{"^A.*": "a", "default": "other"}'), "Alpha", "a"),
        (_rule("size", '{"[2;3]": "pair", "default": "other"}'), [1, 2], "pair"),
        (_rule("presence", '{"found": "yes", "missing": "no"}'), None, "yes"),
    ],
)
def test_json_body_operators_choose_like_microcks(rules: str, body: object, expected: str) -> None:
    from iocgate.mock.json_body import BodyRule, parse_body_rule

    rule = parse_body_rule(rules)
    assert isinstance(rule, BodyRule)
    assert rule.example_for(json.dumps({"n": body})) == expected
    if rule.operator == "presence":
        assert rule.example_for("{}") == "no"


def test_a_json_body_rule_with_a_bad_regular_expression_is_named(tmp_path: Path) -> None:
    rules = _rule("regexp", '{"(": "x"}').replace('"', '\\"')
    spec = _write(
        tmp_path,
        "j.yaml",
        HEAD + "paths:\n  /a:\n    post:\n      x-microcks-operation:\n"
        f'        dispatcher: JSON_BODY\n        dispatcherRules: "{rules}"\n'
        "      responses: {'200': {description: ok}}\n",
    )
    with pytest.raises(MockSpecError, match="is not a regular expression"):
        load_services([spec])
