"""The JSON_BODY dispatcher: a JSON Pointer into the request body picks the example by name.

Its rules are Microcks' `{"exp": "/pointer", "operator": ..., "cases": {key: example}}`:
`equals` (the value is a key), `regexp` (the first key that matches the whole value), `range`
and `size` (keys such as `[1;10]` or `]0;5[` for a number, or an array's length), `presence`
(keys `found` and `missing`); `default` names the example when no key applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["MISSING", "BodyRule", "parse_body_rule", "resolve_pointer"]

_OPERATORS = ("equals", "range", "regexp", "size", "presence")
#: What `resolve_pointer` answers for a pointer that names no node (None is a JSON null).
MISSING = object()


@dataclass(frozen=True, slots=True)
class BodyRule:
    """A parsed JSON_BODY specification."""

    pointer: str
    operator: str
    cases: Mapping[str, str]

    def example_for(self, body: str) -> str | None:
        """The example name the body selects, or None (then no example matches)."""
        try:
            document: object = json.loads(body)
        except json.JSONDecodeError:
            return self.cases.get("default")
        value = resolve_pointer(document, self.pointer)
        chosen = self._choose(value)
        return chosen if chosen is not None else self.cases.get("default")

    def _choose(self, value: object) -> str | None:
        if self.operator == "presence":
            return self.cases.get("missing" if value is MISSING else "found")
        if self.operator == "size":
            return _in_range(len(value), self.cases) if isinstance(value, list) else None
        text = _as_text(value)
        if self.operator == "equals":
            return self.cases.get(text) if text != "default" else None
        if self.operator == "regexp":
            for key, name in self.cases.items():
                if key != "default" and re.fullmatch(key, text):
                    return name
            return None
        try:
            number = float(text)
        except ValueError:
            return None
        return _in_range(number, self.cases)


def parse_body_rule(rules: str) -> BodyRule | str:
    """The rule, or a sentence saying what is wrong with it."""
    try:
        spec = json.loads(rules)
    except json.JSONDecodeError:
        spec = None
    if not isinstance(spec, dict) or not isinstance(spec.get("exp"), str):
        return (
            "JSON_BODY rules must be JSON like "
            '{"exp": "/type", "operator": "equals", "cases": {...}}'
        )
    if spec.get("operator") not in _OPERATORS:
        return f"JSON_BODY operator must be one of {', '.join(_OPERATORS)}"
    cases = spec.get("cases")
    if not isinstance(cases, dict):
        return "JSON_BODY needs `cases`: {value: example name, ..., default: example name}"
    if spec["operator"] == "regexp":
        for key in cases:
            try:
                re.compile(str(key))
            except re.error as error:
                return f"JSON_BODY case {key!r} is not a regular expression ({error})"
    return BodyRule(spec["exp"], spec["operator"], {str(k): str(v) for k, v in cases.items()})


def resolve_pointer(document: object, pointer: str) -> object:
    """The node at JSON Pointer ``pointer`` (RFC 6901) in ``document``, or `MISSING`."""
    node = document
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return MISSING
    return node


def _as_text(value: object) -> str:
    """The value as Jackson's `asText()` gives it: scalars as text, the rest empty."""
    if value is MISSING or isinstance(value, dict | list):
        return ""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _in_range(number: float, cases: Mapping[str, str]) -> str | None:
    for key, name in cases.items():
        if len(key) < 3 or key[0] not in "[]" or key[-1] not in "[]" or ";" not in key:
            continue
        low_text, high_text = key[1:-1].split(";", 1)
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            continue
        above = number >= low if key[0] == "[" else number > low
        below = number <= high if key[-1] == "]" else number < high
        if above and below:
            return name
    return None
