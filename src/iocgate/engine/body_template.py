"""Rendering a consumed operation's ``body:`` template with the call's arguments and binds."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from iocgate.capability import RequestBody

__all__ = ["render_body", "render_tree"]

_MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_$][\w.$-]*)\s*\}\}")
_WHOLE = re.compile(r"^\{\{\s*([A-Za-z_$][\w.$-]*)\s*\}\}$")

CONTENT_TYPES = {
    "json": "application/json",
    "raw": "application/json",  # the spec: a raw body is JSON unless a header says otherwise
    "text": "text/plain",
    "xml": "application/xml",
    "sparql": "application/sparql-query",
    "formUrlEncoded": "application/x-www-form-urlencoded",
}


def _lookup(variables: Mapping[str, object], name: str) -> object:
    if name in variables:
        return variables[name]
    node: object = variables
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _text(value: object) -> str:
    """A value as template text: strings as they are, everything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _render_text(template: str, variables: Mapping[str, object]) -> str:
    return _MUSTACHE.sub(lambda m: _text(_lookup(variables, m.group(1))), template)


def _render_tree(node: object, variables: Mapping[str, object]) -> object:
    """A JSON tree whose strings are rendered; a string that is one placeholder keeps its type."""
    if isinstance(node, str):
        whole = _WHOLE.match(node)
        if whole:
            return _lookup(variables, whole.group(1))
        return _render_text(node, variables)
    if isinstance(node, dict):
        return {key: _render_tree(item, variables) for key, item in node.items()}
    if isinstance(node, list):
        return [_render_tree(item, variables) for item in node]
    return node


def render_tree(node: object, variables: Mapping[str, object]) -> object:
    """Render the Mustache strings of a JSON tree (a whole ``{{x}}`` keeps ``x``'s type)."""
    return _render_tree(node, variables)


def render_body(body: RequestBody, variables: Mapping[str, object]) -> tuple[bytes, str]:
    """The body bytes and their content type (multipart bodies are refused at start-up)."""
    data = body.data
    if body.type == "json" and not isinstance(data, str):
        rendered = json.dumps(_render_tree(data, variables), separators=(",", ":"))
    elif body.type == "formUrlEncoded" and isinstance(data, Mapping):
        rendered = urlencode(
            [(str(k), _render_text(str(v), variables)) for k, v in data.items()], doseq=False
        )
    else:
        rendered = _render_text(str(data if data is not None else ""), variables)
    return rendered.encode(), CONTENT_TYPES.get(body.type, "application/octet-stream")
