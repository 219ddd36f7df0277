"""Who calls, and a header, read from an ASGI scope in one place (exposes/scope.py) by REST,
MCP, the Host allow-list and inbound authentication."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from iocgate.exposes.auth import BearerTokens, InboundAuthMiddleware
from iocgate.exposes.scope import client_of, header_value


def test_the_caller_is_the_token_id_when_there_is_one_else_the_peer_address() -> None:
    peer = {"type": "http", "client": ("10.0.0.7", 5123), "headers": []}
    assert client_of(peer) == "10.0.0.7"
    assert client_of({"type": "http", "headers": []}) is None


def test_a_header_is_its_first_value() -> None:
    scope = {"headers": [(b"host", b"a.example"), (b"host", b"b.example")]}
    assert header_value(scope, b"host") == "a.example"
    assert header_value(scope, b"x-request-id") is None


@pytest.mark.anyio
async def test_an_authenticated_caller_is_named_by_its_token_not_its_address() -> None:
    async def who(request: Request) -> PlainTextResponse:
        return PlainTextResponse(client_of(request.scope) or "-")

    app = InboundAuthMiddleware(
        Starlette(routes=[Route("/", who)]), [BearerTokens(["s3cret-token"])]
    )
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 5123))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        answer = await client.get("/", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200
    assert answer.text not in ("-", "10.0.0.7")
    assert "s3cret" not in answer.text
