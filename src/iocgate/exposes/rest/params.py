"""What a REST request says beyond its path: query arguments, cache directives, request id.

Unknown query parameters are refused with 400 `InvalidArgumentError` naming the allowed ones:
a mistyped ``limt=5`` silently answered with the default page size is worse than an error.
A parameter given twice is refused too (which one was meant is a guess).

``Cache-Control`` on the request chooses the cache mode: ``no-store`` bypasses the cache (the
answer is neither read from it nor stored), ``no-cache`` skips reading it but stores the fresh
answer (a refresh); ``no-store`` wins when both are sent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import parse_qsl

from iocgate.capability import RestRoute
from iocgate.engine import CacheMode, request_id_from
from iocgate.errors import InvalidArgumentError

__all__ = ["cache_mode", "inbound_arguments", "query_arguments", "request_id"]


def inbound_arguments(
    route: RestRoute, path_values: dict[str, str], query_string: bytes
) -> dict[str, object]:
    """The route's inbound arguments by name: path values, then declared query parameters."""
    allowed = {p.name for p in route.parameters if p.location == "query"}
    return query_arguments(query_string, allowed, f"{route.method} {route.path}", path_values)


def query_arguments(
    query_string: bytes, allowed: Collection[str], where: str, given: Mapping[str, str]
) -> dict[str, object]:
    """``given`` plus the query parameters, refusing unknown or repeated ones (``where``: the
    route, as the error names it)."""
    arguments: dict[str, object] = dict(given)
    if not query_string:
        return arguments
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise InvalidArgumentError("the query string is not valid UTF-8 once decoded") from None
    for name, value in pairs:
        if name not in allowed:
            names = ", ".join(sorted(allowed)) or "none"
            raise InvalidArgumentError(
                f"unknown query parameter {name[:80]!r} for {where} (allowed: {names})"
            )
        if name in arguments:
            raise InvalidArgumentError(f"query parameter {name!r} is given more than once")
        arguments[name] = value
    return arguments


def cache_mode(cache_control: str | None) -> CacheMode:
    """The cache mode a request's ``Cache-Control`` header asks for."""
    return CacheMode.from_cache_control(cache_control)


def request_id(sent: str | None) -> str:
    """The client's ``X-Request-ID`` when it is sane, else a new one."""
    return request_id_from(sent)
