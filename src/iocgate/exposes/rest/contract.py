"""Declared binary answers on REST: the status and media type the operation's response contract
(``responses`` / ``responseBinary``) declares, and a look ahead at the bytes so that an answer
over maxBinarySize is an error that says so rather than a body cut short."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import replace
from typing import cast

from iocgate.capability import RestRoute
from iocgate.capability.responses import binary_response
from iocgate.engine import ByteStream, Result

__all__ = ["READ_AHEAD_BYTES", "as_declared", "read_ahead"]

#: Declared binary bytes without a Content-Length are read this far before the status goes
#: out: a maxBinarySize up to this is always reported as an error; past it, in constant memory,
#: the body is cut short instead.
READ_AHEAD_BYTES = 1024 * 1024


def as_declared(route: RestRoute, result: Result) -> Result:
    """``result`` under the route's declared binary answer: its media type unless the consumed
    operation declares ``outputMediaType`` (which wins, as in the reference engine), and its
    status in place of the upstream's plain 200."""
    declared = binary_response(route.responses)
    if declared is None or not result.binary or result.stream is None:
        return result
    status, media_type = declared
    if route.operation.output_media_type is None:
        result = replace(result, content_type=media_type)
    if status is not None and result.status == 200:  # a 206 or 201 says more: kept
        result = replace(result, status=status)
    return result


async def read_ahead(result: Result) -> Result:
    """Declared binary bytes of unknown length, the first `READ_AHEAD_BYTES` read: over the
    bound there is an error to raise (`PayloadTooLargeError`), and an answer that ends there
    gets its Content-Length."""
    stream = result.stream
    if not result.binary or stream is None or stream.length is not None:
        return result
    chunks = cast(AsyncGenerator[bytes, None], stream.__aiter__())
    head: list[bytes] = []
    size = 0
    ended = False
    while size <= READ_AHEAD_BYTES:
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            ended = True
            break
        head.append(chunk)
        size += len(chunk)

    async def replay() -> AsyncIterator[bytes]:
        for part in head:
            yield part
        if not ended:
            async for part in chunks:
                yield part

    async def close() -> None:
        await chunks.aclose()
        await stream.aclose()

    return replace(result, stream=ByteStream(replay(), close, size if ended else None))
