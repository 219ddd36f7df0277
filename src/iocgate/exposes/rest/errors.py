"""The one place the REST adapter renders errors: ``{"error": {"code", "message"}}`` + status.

Three kinds arrive here: `IocgateError` raised on the invocation path (its own code, status and,
for quota, ``Retry-After``), Starlette's `HTTPException` for paths and methods no route serves
(404 ``NotFoundError``, 405 ``MethodNotAllowedError``), and anything else, which becomes a 500
``InternalError`` with a generic message while the details go to the log with every secret
redacted. Upstream error *responses* are not rendered here: they pass through verbatim.
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from collections.abc import Callable, Mapping
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iocgate.errors import (
    IocgateError,
    MethodNotAllowedError,
    QuotaExceededError,
    code_for_status,
    error_body,
)

__all__ = [
    "ErrorBoundary",
    "error_response",
    "http_exception_response",
    "iocgate_error_response",
    "not_found",
]

log = logging.getLogger("iocgate.rest")

_MESSAGES: Mapping[int, str] = {
    404: "no route serves this path; see /openapi.json for the ones that exist",
    405: "this path does not accept that method",
}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON error response in the one error shape."""
    body = json.dumps(error_body(code, message)).encode()
    return Response(body, status, headers=dict(headers or {}), media_type="application/json")


def iocgate_error_response(exc: IocgateError) -> Response:
    """An `IocgateError` as its status, code and message (plus ``Retry-After`` / ``Allow``)."""
    headers: dict[str, str] = {}
    if isinstance(exc, QuotaExceededError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, MethodNotAllowedError) and exc.allow:
        headers["Allow"] = ", ".join(exc.allow)
    return error_response(exc.status, exc.code, exc.message, headers)


def http_exception_response(exc: HTTPException) -> Response:
    """Starlette's own 404/405/... in the error shape, keeping its headers (``Allow``)."""
    code = code_for_status(exc.status_code)
    message = exc.detail
    if message == HTTPStatus(exc.status_code).phrase:  # Starlette's default: say more
        message = _MESSAGES.get(exc.status_code, message)
    return error_response(exc.status_code, code, message, exc.headers)


async def handle_iocgate_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IocgateError)
    return iocgate_error_response(exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return http_exception_response(exc)


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The router's fallback: a 404 in the error shape for any path no route serves."""
    await http_exception_response(HTTPException(404))(scope, receive, send)


class ErrorBoundary:
    """Turns any exception that escaped the routes into a 500 ``InternalError``.

    It sits inside Starlette's own `ServerErrorMiddleware`, which would re-raise the exception to
    the server and have its raw text (possibly holding a secret) logged; here the traceback is
    logged once, through ``redact``.
    """

    def __init__(self, app: ASGIApp, redact: Callable[[str], str]) -> None:
        self.app = app
        self.redact = redact

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:  # noqa: BLE001 - the boundary: nothing may reach the client raw
            log.error(
                "internal error on %s %s\n%s",
                scope.get("method"),
                scope.get("path"),
                self.redact(traceback.format_exc()),
            )
            if started:  # the status is already out: all that is left is to cut the body short
                return
            response = error_response(
                500, "InternalError", "the gateway failed to handle this request; see its log"
            )
            await response(scope, receive, send)
