"""A generic upstream for capabilities other than VirusTotal: it records and echoes requests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["EchoRequest", "EchoState", "create_echo_app"]


@dataclass(frozen=True)
class EchoRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class EchoState:
    requests: list[EchoRequest] = field(default_factory=list)
    fail_next: int = 0  # answer the next N requests 503


def create_echo_app() -> Starlette:
    state = EchoState()

    async def echo(request: Request) -> JSONResponse:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        seen = EchoRequest(
            request.method,
            request.scope["raw_path"].decode(),
            request.url.query,
            dict(request.headers),
            body,
        )
        state.requests.append(seen)
        if state.fail_next > 0:
            state.fail_next -= 1
            return JSONResponse({"error": {"code": "TransientError", "message": "x"}}, 503)
        return JSONResponse({"data": {"method": seen.method, "path": seen.path, "body": body}})

    app = Starlette(
        routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])]
    )
    app.state.echo = state
    return app
