"""Default the 2026-07-28 request envelope's ``clientCapabilities`` when a client omits it.

The MCP SDK (2.3) answers -32602 to a request whose ``params._meta`` names the protocol version
but not ``io.modelcontextprotocol/clientCapabilities``; the reference engine (Ikanos beta4+) and
its tutorial workflow send only the version. A client that declares nothing has no optional
capabilities, so ``{}`` is what it means: we add that and leave everything else untouched.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_types import CLIENT_CAPABILITIES_META_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["EnvelopeDefaults"]

PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion"
#: bodies larger than this pass through unread (a tool call's envelope is small)
MAX_REWRITE_BYTES = 1024 * 1024


def _with_default(message: Any) -> bool:
    """Add the missing key to one JSON-RPC message; True when it changed."""
    if not isinstance(message, dict) or not isinstance(message.get("params"), dict):
        return False
    meta = message["params"].get("_meta")
    if not isinstance(meta, dict) or PROTOCOL_VERSION_META_KEY not in meta:
        return False
    if CLIENT_CAPABILITIES_META_KEY in meta:
        return False
    meta[CLIENT_CAPABILITIES_META_KEY] = {}
    return True


def add_default_capabilities(body: bytes) -> bytes | None:
    """The body with ``clientCapabilities: {}`` added where missing, or None if unchanged."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    messages = parsed if isinstance(parsed, list) else [parsed]
    changed = [_with_default(message) for message in messages]
    return json.dumps(parsed).encode() if any(changed) else None


class EnvelopeDefaults:
    """ASGI wrapper: read a small POST body, default the envelope, replay it to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more and size <= MAX_REWRITE_BYTES:
            message = await receive()
            if message["type"] != "http.request":  # a disconnect: let the app see it
                await self.app(scope, _replay(message, receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        rewritten = None if more else add_default_capabilities(body)
        if rewritten is not None:
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(rewritten)).encode()))
            scope = dict(scope, headers=headers)
            body = rewritten
        last: Message = {"type": "http.request", "body": body, "more_body": more}
        await self.app(scope, _replay(last, receive), send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A ``receive`` that hands out ``first``, then reads on from ``receive``."""
    pending = [first]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
