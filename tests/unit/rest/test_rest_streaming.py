"""A streamed artefact always releases its upstream connection: done, client gone, or cut."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from starlette.types import Message

from iocgate.engine import ByteStream
from iocgate.exposes.rest.responses import StreamedResponse


class Upstream:
    """Bytes from a pretend upstream connection that records whether it was released."""

    def __init__(self, chunks: int | None, fail_after: int | None = None) -> None:
        self.chunks = chunks
        self.fail_after = fail_after
        self.sent = 0
        self.closed = False

    async def body(self) -> AsyncIterator[bytes]:
        while self.chunks is None or self.sent < self.chunks:
            if self.fail_after is not None and self.sent == self.fail_after:
                raise ConnectionResetError("upstream went away")
            self.sent += 1
            yield b"x" * 1024
            await anyio.sleep(0)

    async def close(self) -> None:
        self.closed = True

    def stream(self) -> ByteStream:
        return ByteStream(
            self.body(), self.close, None if self.chunks is None else self.chunks * 1024
        )


def response_for(upstream: Upstream) -> StreamedResponse:
    return StreamedResponse(
        upstream.stream(), 200, "application/octet-stream", {"X-Cache": "BYPASS"}
    )


async def request_then_wait(disconnect: anyio.Event) -> AsyncIterator[Message]:
    yield {"type": "http.request", "body": b"", "more_body": False}
    await disconnect.wait()
    yield {"type": "http.disconnect"}


@pytest.mark.anyio
async def test_a_complete_stream_sends_every_byte_with_its_length_and_closes() -> None:
    upstream = Upstream(chunks=5)
    sent: list[Message] = []
    finished = anyio.Event()
    messages = request_then_wait(finished)

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    async def receive() -> Message:
        return await messages.__anext__()

    await response_for(upstream)({"type": "http"}, receive, send)
    assert dict(sent[0]["headers"])[b"content-length"] == b"5120"
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"x" * 5120
    assert sent[-1]["more_body"] is False
    assert upstream.closed


@pytest.mark.anyio
async def test_a_client_that_goes_away_releases_the_upstream_at_once() -> None:
    upstream = Upstream(chunks=None)  # endless: only the disconnect can stop it
    gone = anyio.Event()
    messages = request_then_wait(gone)
    bodies = 0

    async def send(message: Message) -> None:
        nonlocal bodies
        if message["type"] == "http.response.body":
            bodies += 1
            if bodies == 3:
                gone.set()

    async def receive() -> Message:
        return await messages.__anext__()

    with anyio.fail_after(5):
        await response_for(upstream)({"type": "http"}, receive, send)
    assert upstream.closed
    assert upstream.sent < 100


@pytest.mark.anyio
async def test_a_server_that_raises_on_a_gone_client_releases_the_upstream_too() -> None:
    upstream = Upstream(chunks=None)
    never = anyio.Event()
    messages = request_then_wait(never)

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("client disconnected")  # what ASGI 2.4 servers do

    async def receive() -> Message:
        return await messages.__anext__()

    with anyio.fail_after(5):
        await response_for(upstream)({"type": "http"}, receive, send)
    assert upstream.closed


@pytest.mark.anyio
async def test_an_upstream_cut_short_ends_the_body_without_completing_it() -> None:
    upstream = Upstream(chunks=10, fail_after=2)
    sent: list[Message] = []
    never = anyio.Event()
    messages = request_then_wait(never)

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return await messages.__anext__()

    with anyio.fail_after(5):
        await response_for(upstream)({"type": "http"}, receive, send)
    assert all(m.get("more_body", True) for m in sent[1:])  # never marked complete
    assert upstream.closed
