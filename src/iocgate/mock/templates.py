"""Render Microcks response templates: `{{ request.body/field }}`, `request.path[n]`, and more.

Supported expressions, each alone or chained with `||` (the first non-empty value wins, a quoted
`'literal'` may close the chain):

- `request.body`: the whole request body; `request.body/a/0/b`: a JSON Pointer into a JSON
  body, or a simple XPath (`/root/child`, `//name`) into an XML body;
- `request.path[n]`: the n-th `/`-separated piece of the path below the service base path
  (piece 0 is the empty text before the first `/`, as in Microcks);
- `request.params[name]`: a query parameter; `request.headers[name]`: a request header.

Unlike Microcks, values are escaped for the example's media type (a quote in a JSON string, a
`<` in XML), so a request cannot break the example's syntax. An expression iocgate does not know
is left as written, so it shows in the response instead of vanishing.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from iocgate.mock.json_body import MISSING, resolve_pointer

__all__ = ["TemplateRequest", "render"]

_EXPRESSION = re.compile(r"\{\{(.+?)\}\}", re.DOTALL)
_INDEXED = re.compile(r"request\.(path|params|headers)\[([^\]]+)\]")


@dataclass(frozen=True, slots=True)
class TemplateRequest:
    """What a template may read of the request being answered."""

    body: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]  # keys lower-cased


def render(template: str, request: TemplateRequest, media_type: str | None) -> str:
    """`template` with each known `{{ expression }}` replaced by its value."""
    if "{{" not in template:
        return template

    def substitute(match: re.Match[str]) -> str:
        found = _evaluate(match.group(1), request)
        if found is None:
            return match.group(0)
        text, is_json = found
        return text if is_json else _escape(text, media_type)

    return _EXPRESSION.sub(substitute, template)


def _evaluate(expression: str, request: TemplateRequest) -> tuple[str, bool] | None:
    """(text, is already JSON) of the first non-empty alternative; None if none is known."""
    known = False
    for alternative in (part.strip() for part in expression.split("||")):
        if len(alternative) >= 2 and alternative[0] == alternative[-1] and alternative[0] in "'\"":
            return alternative[1:-1], False
        value = _reference(alternative, request)
        if value is None:
            continue
        known = True
        if value[0]:
            return value
    return ("", False) if known else None


def _reference(reference: str, request: TemplateRequest) -> tuple[str, bool] | None:
    if reference == "request.body":
        return request.body, False
    if reference.startswith("request.body/"):
        return _body_value(request.body, reference[len("request.body") :])
    match = _INDEXED.fullmatch(reference)
    if match is None:
        return None
    kind, key = match.groups()
    if kind == "path":
        pieces = request.path.split("/")
        index = int(key) if key.isdigit() else len(pieces)
        return (pieces[index] if index < len(pieces) else ""), False
    if kind == "params":
        return request.params.get(key, ""), False
    return request.headers.get(key.lower(), ""), False


def _body_value(body: str, pointer: str) -> tuple[str, bool]:
    stripped = body.lstrip()
    if stripped.startswith(("{", "[")):
        return _json_pointer(body, pointer)
    if stripped.startswith("<"):
        return _xpath_text(body, pointer), False
    return "", False


def _json_pointer(body: str, pointer: str) -> tuple[str, bool]:
    try:
        node: object = json.loads(body)
    except json.JSONDecodeError:
        return "", False
    node = resolve_pointer(node, pointer)
    if node is MISSING:
        return "", False
    if isinstance(node, dict | list):
        return json.dumps(node, separators=(",", ":"), ensure_ascii=False), True
    if node is None:
        return "null", True
    if isinstance(node, bool):
        return ("true" if node else "false"), True
    return str(node), isinstance(node, int | float)


def _xpath_text(body: str, path: str) -> str:
    try:
        root = ET.fromstring(body)  # noqa: S314 - the mock's own client's body, entities unexpanded
    except ET.ParseError:
        return ""
    if path.startswith("//"):
        found = root.findtext(".//" + path[2:]) if root.tag != path[2:] else root.text
        return (found or "").strip()
    steps = [step for step in path.split("/") if step]
    if not steps or steps[0] != root.tag:
        return ""
    found = root.findtext("/".join(steps[1:])) if len(steps) > 1 else root.text
    return (found or "").strip()


def _escape(text: str, media_type: str | None) -> str:
    kind = (media_type or "").split(";")[0].strip().lower()
    if kind.endswith(("/json", "+json")):
        return json.dumps(text, ensure_ascii=False)[1:-1]
    if kind.endswith(("/xml", "+xml")):
        return escape(text)
    return text
