"""What an invocation returns to every adapter: status, body or byte stream, cache and quota."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["ByteStream", "CacheStatus", "QuotaStatus", "Result"]


class CacheStatus(StrEnum):
    """Where an answer came from (the ``X-Cache`` header)."""

    HIT = "HIT"
    MISS = "MISS"
    BYPASS = "BYPASS"


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """The budget after this call: remaining units per window (None = unlimited)."""

    policy: str
    remaining_minute: int | None = None
    remaining_day: int | None = None
    remaining_month: int | None = None
    waited_seconds: float = 0.0


class ByteStream:
    """A body passed through untouched: iterate it once, then it closes itself.

    ``length`` is the upstream's Content-Length when it sent one. ``close`` releases the
    upstream connection early when a consumer stops reading.
    """

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        close: Callable[[], Awaitable[None]],
        length: int | None = None,
    ) -> None:
        self._chunks = chunks
        self._close = close
        self._closed = False
        self.length = length

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._chunks:
                yield chunk
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._close()

    async def read(self) -> bytes:
        """Read everything (for small bodies only: tests, CLI text output)."""
        return b"".join([chunk async for chunk in self])


_UNSET: Any = object()


@dataclass(frozen=True)
class Result:
    """The outcome of `Engine.invoke`.

    A JSON answer has ``json_body`` (the bytes exactly as the upstream sent them, when they pass
    through unmapped) and/or ``value`` (the parsed, mapped JSON); ``data`` gives the parsed
    value either way, parsing lazily so that a cache hit served as bytes never parses at all.
    Otherwise ``content`` (a small non-JSON body already read) or ``stream`` (bytes to pass
    through) is set. An upstream error response is a Result too, with its status and the
    upstream's error body.
    """

    status: int
    content_type: str
    operation: str
    request_id: str
    value: Any = _UNSET
    json_body: bytes | None = None
    content: bytes | None = None
    stream: ByteStream | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    cache: CacheStatus = CacheStatus.BYPASS
    age: int | None = None
    quota: QuotaStatus | None = None
    upstream_status: int | None = None
    #: (cache key, stored_at) of a stored answer: the same version has the same bytes.
    version: tuple[str, float] | None = None
    #: The operation declares ``outputRawFormat: binary``: bytes to hand over as content
    #: (MCP image, audio or blob) within ``max_binary_bytes``, not an artefact to describe.
    binary: bool = False
    max_binary_bytes: int | None = None

    @property
    def data(self) -> Any:
        """The parsed JSON answer (None for non-JSON results)."""
        if self.value is _UNSET:
            parsed = json.loads(self.json_body) if self.json_body else None
            object.__setattr__(self, "value", parsed)
        return self.value

    def json_bytes(self) -> bytes:
        """The JSON answer as bytes: the upstream's own when unmapped, else serialised once."""
        if self.json_body is not None:
            return self.json_body
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def is_error(self) -> bool:
        return self.status >= 400

    @property
    def is_json(self) -> bool:
        return self.stream is None and self.content is None

    @property
    def error_code(self) -> str | None:
        """The error code when the body has the common ``{"error": {"code": ...}}`` shape."""
        if isinstance(self.data, dict) and isinstance(self.data.get("error"), dict):
            code = self.data["error"].get("code")
            return code if isinstance(code, str) else None
        return None

    @property
    def error_message(self) -> str | None:
        if isinstance(self.data, dict) and isinstance(self.data.get("error"), dict):
            message = self.data["error"].get("message")
            return message if isinstance(message, str) else None
        return None
