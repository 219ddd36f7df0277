"""The gate in front of `/api/v3`: record the request, inject faults, check the key and quota.

It also records `/_storage/…` downloads (with any `x-apikey` they carried), so a test can
prove that a client following a redirect did not hand its key to the storage host.
"""

from __future__ import annotations

from urllib.parse import quote

import anyio
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iocgate.sim.errors import code_for_status, error_response
from iocgate.sim.faults import (
    BodyCut,
    FaultKind,
    cutting_send,
    draw_fault,
    drop_connection,
    throttled_send,
)
from iocgate.sim.keys import Tier
from iocgate.sim.state import RecordedRequest, SimState

__all__ = ["API_PREFIX", "STORAGE_PREFIX", "TIER_SCOPE_KEY", "ApiGuard"]

API_PREFIX = "/api/v3"
STORAGE_PREFIX = "/_storage/"
TIER_SCOPE_KEY = "iocgate.sim.tier"
"""Where the guard leaves the caller's `Tier` in `scope["state"]` for the handlers."""


class ApiGuard:
    """Pure ASGI middleware; everything outside `/api/v3` and `/_storage/` passes untouched."""

    def __init__(self, app: ASGIApp, state: SimState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            await self._api(scope, receive, send)
        elif path.startswith(STORAGE_PREFIX):
            record = self._record(scope)
            await self.app(scope, receive, _recording(send, record))
        else:
            await self.app(scope, receive, send)

    def _record(self, scope: Scope) -> RecordedRequest:
        raw = scope.get("raw_path")
        path = raw.split(b"?", 1)[0].decode("latin-1") if raw else quote(scope["path"])
        record = RecordedRequest(
            method=scope["method"],
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            key=Headers(scope=scope).get("x-apikey"),
        )
        self.state.requests.append(record)
        return record

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        record = self._record(scope)
        recording_send = _recording(send, record)
        faults = state.faults
        if faults.latency_ms > 0:
            await anyio.sleep(faults.latency_ms / 1000)
        fault = draw_fault(state)
        if fault.kind is FaultKind.RESET:
            await drop_connection(send)
        if fault.kind is FaultKind.STATUS:
            await _fault_response(fault.status)(scope, receive, recording_send)
            return
        rejection = self._authorise(scope, record.key)
        if rejection is not None:
            await rejection(scope, receive, recording_send)
            return
        body_send = recording_send
        if fault.kind is FaultKind.TRUNCATE:
            body_send = cutting_send(body_send)
        if faults.slow_body_bytes_per_second:
            body_send = throttled_send(body_send, faults.slow_body_bytes_per_second)
        try:
            await self.app(scope, receive, body_send)
        except BodyCut:
            return
        except BaseExceptionGroup as group:
            if group.subgroup(BodyCut) is None or group.split(BodyCut)[1] is not None:
                raise
            return

    def _authorise(self, scope: Scope, key: str | None) -> Response | None:
        if not key:
            return error_response("AuthenticationRequiredError", "X-Apikey header is missing")
        tier = self.state.keys.tier(key)
        if tier is None:
            return error_response("WrongCredentialsError", "Wrong API key")
        if tier is Tier.PUBLIC:
            denied = self.state.quota.consume(key)
            if denied is not None:
                return error_response(
                    "QuotaExceededError",
                    denied.message,
                    headers={"Retry-After": str(denied.retry_after)},
                )
        scope.setdefault("state", {})[TIER_SCOPE_KEY] = tier
        return None


def _recording(send: Send, record: RecordedRequest) -> Send:
    async def recording(message: Message) -> None:
        if message["type"] == "http.response.start":
            record.status = message["status"]
        await send(message)

    return recording


def _fault_response(status: int) -> Response:
    code = code_for_status(status)
    if code is not None:
        return error_response(code, status=status)
    # Statuses VirusTotal has no code for come from the front end as HTML, not JSON.
    return HTMLResponse(
        f"<html><head><title>Error {status}</title></head>"
        f"<body><h1>Error {status}</h1><p>The server encountered an error.</p></body></html>",
        status_code=status,
    )
