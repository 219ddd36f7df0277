"""gzip for JSON answers only: artefacts are never content-encoded by the gateway.

Starlette's `GZipMiddleware` compresses every type, streams included, which would break the
byte-exact artefact contract (ARCHITECTURE: bounds) and cost CPU on data that is often already
compressed. This middleware compresses a response only when the client accepts gzip, the body
is JSON, nothing encoded it yet, it came in one piece and it is at least ``minimum_size`` bytes.
"""

from __future__ import annotations

import gzip

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iocgate.exposes.scope import header_value

__all__ = ["JsonGzipMiddleware", "accepts_gzip"]


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``gzip;q=0`` does not)."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        params = params.strip()
        if not params.startswith("q="):
            return True
        try:
            return float(params[2:]) > 0
        except ValueError:
            return False
    return False


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class JsonGzipMiddleware:
    """Compress single-message JSON responses for clients that accept gzip."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024, level: int = 6) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not accepts_gzip(
            header_value(scope, b"accept-encoding") or ""
        ):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        passing = False

        async def compress(message: Message) -> None:
            nonlocal held, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                if _is_json(headers.get("content-type", "")) and "content-encoding" not in headers:
                    held = message
                else:
                    passing = True
                    await send(message)
                return
            assert held is not None
            body: bytes = message.get("body", b"")
            passing = True
            if message.get("more_body", False) or len(body) < self.minimum_size:
                await send(held)  # streamed or small JSON goes out as it is
                await send(message)
                return
            compressed = gzip.compress(body, compresslevel=self.level, mtime=0)
            headers = MutableHeaders(raw=list(held["headers"]))
            headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(compressed))
            headers.add_vary_header("Accept-Encoding")
            await send({**held, "headers": headers.raw})
            await send({"type": "http.response.body", "body": compressed, "more_body": False})

        await self.app(scope, receive, compress)
