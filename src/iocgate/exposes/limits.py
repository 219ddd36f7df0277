"""Connection bounds for every port, enforced in the HTTP parser before any adapter runs.

uvicorn's httptools protocol buffers a whole header block, however large, before the app sees
it, and reads headers with no deadline: four 64 MB headers took the process from 122 to 483 MB
before a 431, and idle half-open connections stayed until the concurrency cap turned every new
request into 503 (issue #16). `bounded_protocol` makes a protocol class that:

- feeds the parser at most ``max_header_bytes`` of a header block, then answers 431 and closes;
- closes a connection whose headers are not complete ``header_timeout`` seconds after it opened
  or after its request began (keep-alive idleness stays uvicorn's ``timeout_keep_alive``);
- answers 503 and closes a connection beyond ``max_per_client`` open ones from one address
  (addresses of trusted proxies are exempt: every client arrives through them).

It extends uvicorn's httptools protocol (uvicorn and httptools are pinned in constraints.txt);
tests/e2e/test_limits.py measures the bounds against a running ``serve``.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from iocgate.errors import error_body

__all__ = ["MAX_HEADER_BYTES", "bounded_protocol"]

MAX_HEADER_BYTES = 16 * 1024
HEADER_TIMEOUT = 10.0
MAX_CONNECTIONS_PER_CLIENT = 256


def _answer(status: int, reason: str, code: str, message: str) -> bytes:
    body = json.dumps(error_body(code, message)).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


def bounded_protocol(
    *,
    max_header_bytes: int = MAX_HEADER_BYTES,
    header_timeout: float = HEADER_TIMEOUT,
    max_per_client: int = MAX_CONNECTIONS_PER_CLIENT,
    exempt: Iterable[str] = (),
) -> type[asyncio.Protocol]:
    """An httptools protocol class with these bounds; its connection counts are its own."""
    open_by_client: Counter[str] = Counter()
    exempt_addresses = frozenset(exempt)
    too_large = _answer(
        431, "Request Header Fields Too Large", "RequestHeaderFieldsTooLargeError",
        f"the request headers exceed {max_header_bytes} bytes, the limit",
    )  # fmt: skip
    too_many = _answer(
        503, "Service Unavailable", "TransientError",
        f"more than {max_per_client} open connections from your address; close some",
    )  # fmt: skip

    class BoundedHttpProtocol(HttpToolsProtocol):
        _peer: str | None = None
        _in_headers = True
        _header_bytes = 0
        _header_timer: asyncio.TimerHandle | None = None
        _deadline = 0.0  # loop time by which the current header block must be complete

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            peer = self.client[0] if self.client else None
            if peer is not None and peer not in exempt_addresses:
                if open_by_client[peer] >= max_per_client:
                    self._refuse(too_many)
                    return
                open_by_client[peer] += 1
                self._peer = peer
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._peer is not None:
                open_by_client[self._peer] -= 1
                if open_by_client[self._peer] <= 0:
                    del open_by_client[self._peer]
                self._peer = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if not self._in_headers or self.transport.is_closing():
                super().data_received(data)
                return
            room = max_header_bytes - self._header_bytes
            self._header_bytes += len(data)
            if len(data) <= room:
                super().data_received(data)
                return
            # Feed only what the limit allows: if the block ends within it, go on as usual.
            super().data_received(data[:room])
            if self._in_headers:
                self._refuse(too_large)
            elif not self.transport.is_closing():
                super().data_received(data[room:])

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_headers = True
            self._header_bytes = 0
            self._arm()

        def on_headers_complete(self) -> None:
            self._in_headers = False  # the timer, if still set, finds nothing to do
            super().on_headers_complete()

        def _arm(self) -> None:
            # One timer per connection, moved on lazily (`_expire`): not one set and
            # cancelled per request of a keep-alive connection (a cached hit's CPU).
            self._deadline = self.loop.time() + header_timeout
            if self._header_timer is None:
                self._header_timer = self.loop.call_at(self._deadline, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if not self._in_headers or self.transport.is_closing():
                return  # the next request arms it again
            if self.loop.time() < self._deadline:  # a later request began: wait for its turn
                self._header_timer = self.loop.call_at(self._deadline, self._expire)
                return
            self.transport.close()  # nothing of a request yet, or headers trickling in

        def _refuse(self, answer: bytes) -> None:
            self._disarm()
            self.transport.write(answer)
            self.transport.close()

    return BoundedHttpProtocol
