"""An upstream that attacks the gateway: behaviour chosen by the file id's first character.

``a``: echoes the request headers (the key among them); ``b``: 200 with a body that is not
JSON; ``c``: redirects to itself forever; ``d``: redirects to a ``Location`` with a backslash;
``e``: 2 MB of JSON; ``f``: drips a JSON answer one byte every 0.5 s. Any sandbox id: its pcap
drips likewise. ``state.requests`` counts requests, ``state.dripping`` open drips.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

__all__ = ["HostileState", "create_hostile_app", "hostile_id"]


def hostile_id(mode: str) -> str:
    """A valid sha256 that selects ``mode`` (a single letter a..f)."""
    return mode * 64


@dataclass
class HostileState:
    requests: int = 0
    dripping: int = 0


def create_hostile_app() -> Starlette:
    state = HostileState()

    async def drip(body: bytes) -> AsyncIterator[bytes]:
        state.dripping += 1
        try:
            for byte in body:
                yield bytes([byte])
                await anyio.sleep(0.5)
        finally:
            state.dripping -= 1

    async def files(request: Request) -> Response:
        state.requests += 1
        mode = request.path_params["id"][0]
        if mode == "a":
            return JSONResponse({"data": {"seen_headers": dict(request.headers)}})
        if mode == "b":
            return Response(b'{"data": {"attributes": ', media_type="application/json")
        if mode == "c":
            return Response(status_code=302, headers={"location": request.url.path})
        if mode == "d":
            return Response(status_code=302, headers={"location": "/files\\evil"})
        if mode == "e":
            return JSONResponse({"data": ["x" * 1000] * 2000})
        return StreamingResponse(drip(b'{"data": {}}' * 100), media_type="application/json")

    async def pcap(request: Request) -> Response:
        state.requests += 1
        return StreamingResponse(
            drip(b"\xd4\xc3\xb2\xa1" * 1000), media_type="application/vnd.tcpdump.pcap"
        )

    app = Starlette(
        routes=[
            Route("/api/v3/files/{id}/{rest:path}", files),
            Route("/api/v3/file_behaviours/{sandbox}/pcap", pcap),
        ]
    )
    app.state.hostile = state
    return app
