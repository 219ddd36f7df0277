"""Per-request context: the request id, the demo header and the access log line.

Every response, errors and docs included, carries ``X-Request-ID`` (the client's own when it
sent a sane one) and, in demo mode, ``X-Iocgate-Demo: true``. Routes read the id from
``request.state.request_id`` to pass it on to the engine. One line per request goes to the
``iocgate.access`` logger (`exposes/access.py`), without the query string (it may hold a cursor
or other noise); the route that serves the request fills in the `AccessRecord` found at
``state["access"]`` (`access_of`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iocgate.engine import Caller, new_request_id
from iocgate.exposes.access import AccessRecord
from iocgate.exposes.rest.params import cache_mode, request_id
from iocgate.exposes.scope import client_of, header_value

__all__ = ["RequestContextMiddleware", "access_of", "rest_caller", "state_of"]


def state_of(scope: Scope) -> dict[str, object]:
    """The request's ``state`` dict (what Starlette's ``request.state`` reads)."""
    state: dict[str, object] = scope.setdefault("state", {})
    return state


def rest_caller(scope: Scope) -> Caller:
    """Who calls, as the engine needs it: client id, the request's id, its cache directives."""
    rid = state_of(scope).get("request_id")
    return Caller(
        adapter="rest",
        client_id=client_of(scope),
        request_id=rid if isinstance(rid, str) else new_request_id(),
        cache_mode=cache_mode(header_value(scope, b"cache-control")),
    )


def access_of(scope: Scope) -> AccessRecord | None:
    """The request's access log record, for the route to fill in."""
    record = scope.get("state", {}).get("access")
    return record if isinstance(record, AccessRecord) else None


class RequestContextMiddleware:
    """Sets the request id, adds the response headers every route shares, logs the request."""

    def __init__(self, app: ASGIApp, *, demo: bool = False) -> None:
        self.app = app
        self.demo = demo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path")
        # The encoded path: a decoded %0A would let a client forge log lines.
        path = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else scope["path"]
        rid = request_id(header_value(scope, b"x-request-id"))
        record = AccessRecord("rest", rid, scope["method"], path, client=client_of(scope))
        state = state_of(scope)
        state["request_id"] = rid
        state["access"] = record
        extra = [(b"x-request-id", rid.encode())]
        if self.demo:
            extra.append((b"x-iocgate-demo", b"true"))

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                headers = message.get("headers", [])
                for key, value in headers:
                    if key.lower() == b"x-cache":
                        record.cache = value.decode("latin-1")
                message["headers"] = [*headers, *extra]
            await send(message)

        try:
            await self.app(scope, receive, add_headers)
        finally:
            # The /metrics issue hooks its request counters and duration histogram in here.
            record.status = record.status or 500
            if record.operation is None:  # not a capability route: the route's own name
                record.operation = getattr(scope.get("route"), "name", None)
            record.write()
