"""Output mapping: JSONPath ``outputParameters`` applied to a parsed upstream body."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from jsonpath_ng.jsonpath import JSONPath
from jsonpath_ng.parser import parse as parse_jsonpath

from iocgate.capability import OutputParameter
from iocgate.errors import CapabilityError

__all__ = ["apply_output_mapping", "is_passthrough"]

_ROOTS = {"$", "$.", ""}


@lru_cache(maxsize=512)
def _compiled(expression: str) -> JSONPath:
    try:
        return parse_jsonpath(expression)
    except Exception as exc:  # noqa: BLE001 - jsonpath-ng raises bare Exceptions on bad syntax
        raise CapabilityError(f"invalid JSONPath {expression!r}: {exc}") from None


def _select(body: Any, expression: str | None) -> Any:
    if expression is None or expression.strip() in _ROOTS:
        return body
    matches = [m.value for m in _compiled(expression.strip()).find(body)]
    if not matches:
        return None
    return matches[0] if len(matches) == 1 and "[*]" not in expression else matches


def _expression(param: OutputParameter) -> str | None:
    if param.mapping is not None:
        return param.mapping
    if isinstance(param.value, str) and param.value.startswith("$"):
        return param.value
    return None


def _map_one(param: OutputParameter | dict[str, Any] | str, root: Any, node: Any) -> Any:
    if isinstance(param, str):  # a property written as a bare JSONPath
        return _select(root, param)
    if isinstance(param, dict):
        param = OutputParameter.model_validate(param)
    expression = _expression(param)
    if param.type == "object" and isinstance(param.properties, dict):
        # Engine semantics: properties are evaluated against the root, not the mapped node.
        return {key: _map_one(sub, root, root) for key, sub in param.properties.items()}
    selected = _select(node, expression)
    if param.type == "array" and param.items is not None and isinstance(selected, list):
        return [_map_one(param.items, item, item) for item in selected]
    if expression is None and param.value is not None:
        return param.value  # a constant
    return selected


def is_passthrough(parameters: Sequence[OutputParameter]) -> bool:
    """True when the mapping returns the whole body unchanged (the seed's only form)."""
    if not parameters:
        return True
    first = parameters[0]
    return (
        first.properties is None and first.items is None and (_expression(first) or "$") in _ROOTS
    )


def apply_output_mapping(parameters: Sequence[OutputParameter], body: Any) -> Any:
    """Map ``body``; the first parameter that yields a non-null value wins (engine semantics)."""
    if is_passthrough(parameters):
        return body
    named = [p for p in parameters if p.name]
    if len(named) > 1:  # several named outputs make one object
        return {p.name: _map_one(p, body, body) for p in named}
    for param in parameters:
        value = _map_one(param, body, body)
        if value is not None:
            return value
    return None
