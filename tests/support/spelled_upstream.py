"""A bare-ASGI upstream that spells its header names as most servers do (``Retry-After``).

Starlette lower-cases every header it sends, and so does the simulator; VirusTotal's front end
and most servers do not. This app writes raw header names; serve it with
``run_server(app, http="h11")``, which sends them as given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SpelledUpstream"]

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class SpelledUpstream:
    """Answers the first ``throttle`` requests 429 with ``Retry-After: retry_after``, then 200."""

    retry_after: str = "1"
    throttle: int = 1
    arrivals: list[float] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        self.arrivals.append(time.monotonic())
        if len(self.arrivals) <= self.throttle:
            status = 429
            body: dict[str, Any] = {
                "error": {"code": "QuotaExceededError", "message": "Quota exceeded"}
            }
            extra = [(b"Retry-After", self.retry_after.encode())]
        else:
            status, body, extra = 200, {"data": {"id": "x", "type": "file"}}, []
        raw = json.dumps(body).encode()
        headers = [
            (b"Content-Type", b"application/json"),
            (b"Content-Length", str(len(raw)).encode()),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})
