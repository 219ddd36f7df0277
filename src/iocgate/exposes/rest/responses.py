"""Writing an engine `Result` as an HTTP response: JSON, a small body, or a byte stream.

JSON is serialised once, compactly. Upstream error bodies keep their status and content word for
word. Byte streams (artefacts, HTML reports) pass through untouched and in constant memory: each
chunk goes out as it arrives, the server's flow control holds the upstream back, and the upstream
connection is closed as soon as the client goes away. They are served as attachments with
``nosniff`` and a sandboxing CSP, because an untrusted sandbox HTML report opened from the
gateway's origin would otherwise run script with the console's privileges.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from collections.abc import AsyncGenerator, Callable
from typing import Any, cast

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from iocgate.engine import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.errors import PayloadTooLargeError

__all__ = [
    "StreamedResponse",
    "artefact_filename",
    "json_body",
    "quota_headers",
    "result_response",
    "send_head",
]

log = logging.getLogger("iocgate.rest")

# Headers of the upstream answer that a client can use (caching validators, back-off advice).
_PASSED_HEADERS = ("retry-after", "etag", "last-modified")

# Extensions for the media types artefacts come as; anything else is named after the route.
_EXTENSIONS = {
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/gzip": "gz",
    "application/x-gzip": "gz",
    "application/x-tar": "tar",
    "application/vnd.tcpdump.pcap": "pcap",
    "application/pcap": "pcap",
    "application/x-pcap": "pcap",
    "application/vnd.tcpdump.pcapng": "pcapng",
    "text/html": "html",
    "text/plain": "txt",
    "text/csv": "csv",
    "application/pdf": "pdf",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/json": "json",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_MAX = 150


def json_body(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON (ASCII escapes only when a lone surrogate forces them)."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


# Python's own table only (not the host's /etc/mime.types): the same name on every machine.
_KNOWN_TYPES = mimetypes.MimeTypes(filenames=())


def _extension_for(media_type: str) -> str | None:
    """Our table first (artefact types), then Python's (images, audio, PDF...); a generic
    byte stream says nothing about the bytes, so the route's last segment names them."""
    if media_type in _EXTENSIONS:
        return _EXTENSIONS[media_type]
    if media_type == "application/octet-stream":
        return None
    guessed = _KNOWN_TYPES.guess_extension(media_type)
    return guessed.lstrip(".") if guessed else None


def artefact_filename(values: list[str], content_type: str, last_literal: str | None) -> str:
    """A safe download name: the path values joined, then an extension.

    The extension comes from the media type and the route's last literal segment, so that
    ``.../{sandbox_id}/evtx`` answered as ``application/zip`` is ``<id>.evtx.zip`` and ``pcap``
    as ``application/octet-stream`` is ``<id>.pcap``.
    """
    stem = _UNSAFE.sub("_", "_".join(values)).strip("._") or "download"
    stem = stem[:_NAME_MAX]
    kind = _extension_for(content_type.split(";", 1)[0].strip().lower())
    literal = _UNSAFE.sub("_", last_literal).strip("._") if last_literal else ""
    if literal and kind and literal != kind:
        return f"{stem}.{literal}.{kind}"
    extension = literal or kind or "bin"
    return f"{stem}.{extension}"


def _common_headers(result: Result) -> dict[str, str]:
    headers = {"X-Cache": result.cache.value}
    if result.cache is CacheStatus.HIT and result.age is not None:
        headers["Age"] = str(result.age)
    for name in _PASSED_HEADERS:
        value = result.headers.get(name)
        if value is not None:
            headers[name] = value
    if result.quota is not None:
        headers |= quota_headers(result.quota)
    return headers


def quota_headers(quota: QuotaStatus) -> dict[str, str]:
    """The budget left, as every answer states it (``X-Quota-*``; unlimited windows omitted)."""
    headers = {"X-Quota-Policy": quota.policy}
    if quota.remaining_minute is not None:
        headers["X-Quota-Remaining-Minute"] = str(quota.remaining_minute)
    if quota.remaining_day is not None:
        headers["X-Quota-Remaining-Day"] = str(quota.remaining_day)
    if quota.remaining_month is not None:
        headers["X-Quota-Remaining-Month"] = str(quota.remaining_month)
    return headers


def result_response(
    result: Result,
    *,
    path_values: list[str],
    last_literal: str | None,
    success_body: Callable[[Result], bytes],
) -> Response | StreamedResponse:
    """The response for ``result``; ``success_body`` writes a 2xx/3xx JSON body (links)."""
    headers = _common_headers(result)
    if result.stream is not None:
        filename = artefact_filename(path_values, result.content_type, last_literal)
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Content-Security-Policy"] = "sandbox"
        return StreamedResponse(result.stream, result.status, result.content_type, headers)
    if result.content is not None:
        headers["X-Content-Type-Options"] = "nosniff"
        return Response(result.content, result.status, headers, media_type=result.content_type)
    if result.status in (204, 304):
        return Response(None, result.status, headers)
    body = result.json_bytes() if result.status >= 400 else success_body(result)
    return Response(body, result.status, headers, media_type="application/json")


async def send_head(response: Response | StreamedResponse, send: Send) -> None:
    """A HEAD answer: the GET response's status and headers, no body; bytes closed unread."""
    if isinstance(response, StreamedResponse):
        status = response.status
        await response.stream.aclose()
    else:
        status = response.status_code
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


class StreamedResponse:
    """An ASGI response that relays a `ByteStream` chunk by chunk and always closes it."""

    def __init__(
        self, stream: ByteStream, status: int, content_type: str, headers: dict[str, str]
    ) -> None:
        self.stream = stream
        self.status = status
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        raw.append((b"content-type", content_type.encode("latin-1")))
        if stream.length is not None:
            raw.append((b"content-length", str(stream.length).encode()))
        self.raw_headers = raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = cast(AsyncGenerator[bytes, None], self.stream.__aiter__())
        try:
            async with anyio.create_task_group() as group:

                async def relay() -> None:
                    await self._relay(chunks, send)
                    group.cancel_scope.cancel()

                group.start_soon(relay)
                # Servers before ASGI 2.4 (uvicorn among them) drop writes to a gone client
                # silently: only http.disconnect tells us to stop pulling from the upstream.
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await chunks.aclose()
                await self.stream.aclose()

    async def _relay(self, chunks: AsyncGenerator[bytes, None], send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status, "headers": self.raw_headers}
        await send(start)
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                try:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except OSError:  # ASGI 2.4 servers raise when the client is gone
                    return
        except Exception as exc:  # noqa: BLE001 - the status is out: all we can do is cut short
            # Our own bound says what it is; another error's text might carry an upstream URL.
            reason = str(exc) if isinstance(exc, PayloadTooLargeError) else type(exc).__name__
            log.warning("byte stream from upstream ended early: %s", reason)
            return  # without the final message, the server closes the connection: a short body
        await send({"type": "http.response.body", "body": b"", "more_body": False})
