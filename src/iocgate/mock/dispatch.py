"""Pick the example that answers a request: dispatch criteria, fallback, media type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from iocgate.mock.openapi import Exchange, MockOperation, build_params, build_parts, rule_names

__all__ = ["Choice", "choose", "request_criteria"]


@dataclass(frozen=True, slots=True)
class Choice:
    """The example chosen, or why none was: `criteria` is what the request was matched on."""

    exchange: Exchange | None
    criteria: str | None
    problem: str | None = None


def request_criteria(
    operation: MockOperation,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: str = "",
) -> str | None:
    """The request's dispatch criteria in the same form as the examples' (Microcks' strings).

    SCRIPT and JSON_BODY give an example's name instead, as they do in Microcks.
    """
    dispatcher, rules = operation.dispatcher, operation.rules
    if dispatcher == "SCRIPT":
        return operation.script_name
    if operation.body_rule is not None:
        return operation.body_rule.example_for(body)
    if dispatcher == "QUERY_HEADER":
        names = rule_names(rules)
        return build_params(rules, {n: headers[n.lower()] for n in names if n.lower() in headers})
    parts = _path_values(operation, path)
    if dispatcher == "URI_PARTS":
        return build_parts(rules, parts)
    if dispatcher == "URI_PARAMS":
        return build_params(rules, query)
    if dispatcher == "URI_ELEMENTS":
        return build_parts(rules, parts) + build_params(rules, query)
    return None


def choose(
    operation: MockOperation,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: str = "",
) -> Choice:
    """Microcks' order: by criteria, then by example name, then the fallback, then any."""
    criteria = request_criteria(operation, path, query, headers, body)
    accept = headers.get("accept", "")
    exchanges = operation.exchanges
    if operation.dispatcher is None:
        return Choice(_by_media_type(_successes_first(exchanges), accept), criteria)
    if criteria is not None:
        for matches in (
            [e for e in exchanges if e.criteria == criteria],
            [e for e in exchanges if e.name == criteria],
        ):
            if matches:
                return Choice(_by_media_type(matches, accept), criteria)
    if operation.fallback is not None:
        named = [e for e in exchanges if e.name == operation.fallback]
        if named:
            return Choice(_by_media_type(named, accept), criteria)
        return Choice(None, criteria, f"its fallback example {operation.fallback!r} is not defined")
    return Choice(None, criteria, operation.script_problem)


def _path_values(operation: MockOperation, path: str) -> dict[str, str]:
    """{part name: decoded value} for each `{part}` of the operation's path template."""
    template = operation.path.strip("/").split("/")
    actual = path.strip("/").split("/")
    return {
        piece[1:-1]: unquote(value)
        for piece, value in zip(template, actual, strict=False)
        if piece.startswith("{") and piece.endswith("}")
    }


def _successes_first(exchanges: tuple[Exchange, ...]) -> list[Exchange]:
    return sorted(exchanges, key=lambda e: not 200 <= e.status < 300)


def _by_media_type(candidates: list[Exchange], accept: str) -> Exchange | None:
    if not candidates:
        return None
    wanted = [item.split(";")[0].strip().lower() for item in accept.split(",") if item.strip()]
    for media_type in wanted:
        for exchange in candidates:
            if (exchange.media_type or "").lower() == media_type:
                return exchange
    return candidates[0]
