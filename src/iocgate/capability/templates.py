"""Templates of the spec: ``{x}`` / ``{{x}}`` in paths, ``{{VAR}}`` / ``{{ns.VAR}}`` in values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

__all__ = [
    "PLACEHOLDER",
    "encode_path_segment",
    "mustache_names",
    "normalize_path",
    "placeholders",
    "render_path",
    "render_text",
]

# `{{ name }}` (Mustache, the spec's canonical form) or `{name}` (OpenAPI, the generator's).
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_$][\w.$-]*)\s*\}\}|\{([A-Za-z_$][\w.$-]*)\}")


_MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_$][\w.$-]*)\s*\}\}")


def mustache_names(template: str) -> list[str]:
    """The names of the ``{{name}}`` placeholders in ``template`` (single braces are text)."""
    return [m.group(1) for m in _MUSTACHE.finditer(template)]


def placeholders(template: str) -> list[str]:
    """The names of the placeholders in ``template``, in order."""
    return [m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(template)]


def normalize_path(template: str) -> str:
    """Write every placeholder as ``{name}`` (the form OpenAPI and the router publish)."""
    return PLACEHOLDER.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", template)


def encode_path_segment(value: str) -> str:
    """Percent-encode ``value`` as exactly one path segment.

    ``/``, ``?``, ``#`` and ``%`` are all encoded, and ``.``/``..`` are written ``%2E`` so that no
    client or server normalises them into a different path.
    """
    encoded = quote(value, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def render_path(template: str, values: Mapping[str, str]) -> str:
    """Substitute each placeholder with its value, percent-encoded as a single segment."""
    return PLACEHOLDER.sub(
        lambda m: encode_path_segment(values[m.group(1) or m.group(2)]), template
    )


def _lookup(variables: Mapping[str, object], dotted: str) -> str | None:
    if dotted in variables:
        value = variables[dotted]
        return None if isinstance(value, Mapping) else str(value)
    node: object = variables
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return None if isinstance(node, Mapping) else str(node)


def render_text(template: str, variables: Mapping[str, object]) -> str:
    """Render ``{{VAR}}`` and ``{{namespace.VAR}}`` Mustache references; unknown ones become ''.

    Only double braces are templates here: a single brace in a header value is literal text.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        return _lookup(variables, name) or ""

    return PLACEHOLDER.sub(replace, template)
