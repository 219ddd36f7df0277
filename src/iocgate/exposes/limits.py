"""Request bounds for every adapter: oversized header blocks are refused with 431.

The HTTP parser (httptools) accepts very large header blocks; nothing iocgate serves needs more
than a few KB, so anything over the limit is refused before an adapter sees it.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["MAX_HEADER_BYTES", "HeaderLimitMiddleware"]

MAX_HEADER_BYTES = 16 * 1024


class HeaderLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(key) + len(value) + 4 for key, value in scope["headers"])
            if size > self.max_bytes:
                body = json.dumps(
                    {
                        "error": {
                            "code": "RequestHeaderFieldsTooLargeError",
                            "message": f"the request headers total {size} bytes; "
                            f"the limit is {self.max_bytes}",
                        }
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 431,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
