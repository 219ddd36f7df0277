"""Per-request context: the request id, the demo header and the access log line.

Every response, errors and docs included, carries ``X-Request-ID`` (the client's own when it
sent a sane one) and, in demo mode, ``X-Iocgate-Demo: true``. Routes read the id from
``request.state.request_id`` to pass it on to the engine. One line per request goes to the
``iocgate.access`` logger, without the query string (it may hold a cursor or other noise).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iocgate.exposes.rest.params import header_value, request_id

__all__ = ["RequestContextMiddleware", "state_of"]

access_log = logging.getLogger("iocgate.access")


def state_of(scope: Scope) -> dict[str, object]:
    """The request's ``state`` dict (what Starlette's ``request.state`` reads)."""
    state: dict[str, object] = scope.setdefault("state", {})
    return state


class RequestContextMiddleware:
    """Sets the request id, adds the response headers every route shares, logs the request."""

    def __init__(self, app: ASGIApp, *, demo: bool = False) -> None:
        self.app = app
        self.demo = demo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        raw_path = scope.get("raw_path")
        # The encoded path: a decoded %0A would let a client forge log lines.
        path = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else scope["path"]
        rid = request_id(header_value(scope, b"x-request-id"))
        state_of(scope)["request_id"] = rid
        extra = [(b"x-request-id", rid.encode())]
        if self.demo:
            extra.append((b"x-iocgate-demo", b"true"))
        status = 0
        cache = "-"

        async def add_headers(message: Message) -> None:
            nonlocal status, cache
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                for key, value in headers:
                    if key.lower() == b"x-cache":
                        cache = value.decode("latin-1")
                message["headers"] = [*headers, *extra]
            await send(message)

        try:
            await self.app(scope, receive, add_headers)
        finally:
            # The /metrics issue hooks its request counters and duration histogram in here.
            if access_log.isEnabledFor(logging.INFO):
                duration = (time.perf_counter() - started) * 1000
                access_log.info(
                    "%s %s %s %.1fms cache=%s id=%s",
                    scope["method"], path, status or 500, duration, cache, rid,
                    extra={
                        "request_id": rid, "method": scope["method"], "path": path,
                        "status": status or 500, "duration_ms": round(duration, 1),
                        "cache": cache,
                    },
                )  # fmt: skip
