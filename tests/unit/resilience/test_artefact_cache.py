"""The artefact cache: files that are complete or absent, bounded in total size."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from iocgate.engine import ByteStream
from iocgate.engine.stores import ArtefactCache
from tests.unit.resilience.conftest import FakeClock

pytestmark = pytest.mark.anyio

BODY = bytes(range(256)) * 1000  # 256 kB, several chunks


def source(body: bytes = BODY, *, cut_at: int | None = None) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        end = len(body) if cut_at is None else cut_at
        for start in range(0, end, 10_000):
            yield body[start : min(start + 10_000, end)]

    return chunks()


async def nothing() -> None:
    return None


def tee(
    cache: ArtefactCache, key: str, chunks: AsyncIterator[bytes], length: int | None
) -> ByteStream:
    return cache.tee(
        key, chunks, nothing, length=length, content_type="application/vnd.tcpdump.pcap",
        headers=(("content-disposition", 'attachment; filename="x.pcap"'),), ttl=3600,
    )  # fmt: skip


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


async def test_a_complete_download_is_stored_and_served_byte_identical(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path, 10 * len(BODY))
    assert await tee(cache, "k", source(), len(BODY)).read() == BODY
    stored = await cache.lookup("k")
    assert stored is not None
    assert (stored.size, stored.sha256) == (len(BODY), hashlib.sha256(BODY).hexdigest())
    assert stored.content_type == "application/vnd.tcpdump.pcap"
    assert dict(stored.headers)["content-disposition"] == 'attachment; filename="x.pcap"'
    served = await cache.stream(stored)
    assert served.length == len(BODY)
    assert await served.read() == BODY
    assert entries(tmp_path) == ["k.artefact"]


async def test_a_download_the_client_abandons_leaves_no_entry(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path, 10 * len(BODY))
    stream = tee(cache, "k", source(), len(BODY))
    async for _chunk in stream:
        break  # the client went away after the first chunk
    await stream.aclose()
    assert await cache.lookup("k") is None
    assert entries(tmp_path) == []
    assert cache.pending("k") is None


async def test_a_body_shorter_than_its_content_length_is_not_kept(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path, 10 * len(BODY))
    assert await tee(cache, "k", source(cut_at=50_000), len(BODY)).read() == BODY[:50_000]
    assert await cache.lookup("k") is None
    assert entries(tmp_path) == []


async def test_an_artefact_larger_than_the_limit_is_passed_through_not_kept(
    tmp_path: Path,
) -> None:
    cache = ArtefactCache(tmp_path, len(BODY) - 1)
    assert not cache.admits(len(BODY))
    # without a Content-Length the size is only known while streaming
    assert await tee(cache, "k", source(), None).read() == BODY
    assert entries(tmp_path) == []


async def test_least_recently_used_entries_go_first_past_the_limit(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path, 2 * len(BODY) + 2 * 4096)
    await tee(cache, "a", source(), len(BODY)).read()
    await tee(cache, "b", source(), len(BODY)).read()
    (tmp_path / "a.artefact").touch()  # used more recently than b
    await cache.lookup("a")
    await tee(cache, "c", source(), len(BODY)).read()
    assert entries(tmp_path) == ["a.artefact", "c.artefact"]


async def test_an_expired_entry_is_a_miss(tmp_path: Path, clock: FakeClock) -> None:
    cache = ArtefactCache(tmp_path, 10 * len(BODY), clock=clock)
    await tee(cache, "k", source(), len(BODY)).read()
    clock.now += 3601
    assert await cache.lookup("k") is None
    assert entries(tmp_path) == []


async def test_waiters_learn_when_the_download_ends(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path, 10 * len(BODY))
    stream = tee(cache, "k", source(), len(BODY))
    pending = cache.pending("k")
    assert pending is not None and not pending.is_set()
    await stream.read()
    assert pending.is_set()
    assert cache.pending("k") is None


async def test_waiters_give_up_on_a_download_that_stalls(tmp_path: Path) -> None:
    cache = ArtefactCache(tmp_path, 10 * len(BODY))
    stream = tee(cache, "k", source(), len(BODY))
    iterator = stream.__aiter__()
    await iterator.__anext__()  # the first client read one chunk, then stopped reading
    with anyio.fail_after(2):
        await cache.wait_pending("k", stall_seconds=0.1)
    assert await cache.lookup("k") is None
    await stream.aclose()


@pytest.mark.parametrize("announced", [True, False])
async def test_a_client_that_closes_right_after_the_last_byte_leaves_the_entry(
    tmp_path: Path, announced: bool
) -> None:
    # Issue #16: such downloads were never kept, so every one went upstream again.
    cache = ArtefactCache(tmp_path, 10 * len(BODY))
    stream = tee(cache, "k", source(), len(BODY) if announced else None)
    received = b""
    async for chunk in stream:
        received += chunk
        if len(received) == len(BODY):
            break  # the client has every byte and closes at once
    await stream.aclose()
    stored = await cache.lookup("k")
    assert stored is not None
    assert stored.sha256 == hashlib.sha256(BODY).hexdigest()


async def test_temporary_files_count_against_the_bound_and_stale_ones_are_removed(
    tmp_path: Path,
) -> None:
    import os
    import time

    cache = ArtefactCache(tmp_path, 2 * len(BODY) + 2 * 4096)
    stale = tmp_path / "dead.0a0b0c0d0e0f.part"
    stale.write_bytes(b"x" * len(BODY))
    old = time.time() - 3600
    os.utime(stale, (old, old))
    await tee(cache, "a", source(), len(BODY)).read()
    assert not stale.exists()  # left by a process that died mid-download
    live = tmp_path / "live.0a0b0c0d0e0f.part"
    live.write_bytes(b"x" * len(BODY))  # another process downloading right now
    await tee(cache, "b", source(), len(BODY)).read()
    assert entries(tmp_path) == ["b.artefact", "live.0a0b0c0d0e0f.part"]
