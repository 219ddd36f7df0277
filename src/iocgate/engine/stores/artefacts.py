"""`ArtefactCache`: byte answers (pcap, evtx, memdump, html) kept as files, up to a size limit.

Each entry is one file, ``<cache_key>.artefact``: a header of ``HEADER_SIZE`` bytes holding a
JSON line of metadata (content type, size, sha256, times, headers), then the exact upstream
bytes. One file means one atomic ``rename``: an entry is either complete or absent; the fixed
header is written last, in place, so storing never copies the body.

Storing happens while the first client streams (`ArtefactCache.tee`): chunks go to the client
and to a temporary file, and only a download that ran to its end, with the size the upstream
announced, is renamed into place. The tee reads one chunk ahead, so the entry is committed
once the upstream's last byte has arrived, before the client has it: a client that closes
right after the last byte still leaves the entry (issue #16). Anything else (the client left
earlier, the upstream cut the body, the disk is full) deletes the temporary file. When the
directory grows past ``max_bytes`` (temporary files count too) the least recently used entries
go first; temporary files left by a dead process are removed at first use and when stale.
Entries are local to the host, even with Redis.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from iocgate.engine.result import ByteStream

__all__ = ["ArtefactCache", "StoredArtefact"]

SUFFIX = ".artefact"
PART_SUFFIX = ".part"
CHUNK_SIZE = 64 * 1024
HEADER_SIZE = 4096
#: A download that receives nothing for this long no longer holds back those waiting for it.
STALL_SECONDS = 30.0
#: Temporary files untouched this long belong to a process that died mid-download (a live
#: download writes at least every STALL_SECONDS, or its minimum transfer rate cuts it).
STALE_PART_SECONDS = 4 * STALL_SECONDS


@dataclass(frozen=True, slots=True)
class StoredArtefact:
    """A complete entry: where its bytes start in the file, and what to tell the client."""

    path: Path
    offset: int
    size: int
    sha256: str
    content_type: str
    stored_at: float
    expires_at: float
    headers: tuple[tuple[str, str], ...]


class ArtefactCache:
    """Artefact files under ``directory``, at most ``max_bytes`` in total."""

    def __init__(
        self, directory: Path, max_bytes: int, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.clock = clock
        self._pending: dict[str, _Tee] = {}
        self._swept = False

    def admits(self, length: int | None) -> bool:
        """Whether an artefact of ``length`` bytes (None: not announced) may be kept."""
        return self.max_bytes > 0 and (length is None or length <= self.max_bytes)

    def pending(self, key: str) -> anyio.Event | None:
        """Set when the download being stored under ``key`` in this process ends, if any."""
        tee = self._pending.get(key)
        return None if tee is None else tee.done

    async def wait_pending(self, key: str, *, stall_seconds: float = STALL_SECONDS) -> None:
        """Wait while a download of ``key`` in this process is being stored and progressing.

        A follower gives up on a download that received nothing for ``stall_seconds`` (its
        client stopped reading, or never started) and makes its own call instead.
        """
        tee = self._pending.get(key)
        while tee is not None and not tee.done.is_set():
            seen = tee.size
            with anyio.move_on_after(stall_seconds):
                await tee.done.wait()
            if tee.size == seen:
                return

    async def lookup(self, key: str) -> StoredArtefact | None:
        """The entry for ``key`` if it is complete and fresh (and mark it recently used)."""
        return await anyio.to_thread.run_sync(self._lookup, key)

    def _lookup(self, key: str) -> StoredArtefact | None:
        path = self.directory / f"{key}{SUFFIX}"
        try:
            with path.open("rb") as file:
                meta = json.loads(file.read(HEADER_SIZE))
                total = os.fstat(file.fileno()).st_size
        except (OSError, ValueError):
            return None
        if meta["expires_at"] <= self.clock() or total - HEADER_SIZE != meta["size"]:
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # eviction goes by last use
        return StoredArtefact(
            path=path,
            offset=HEADER_SIZE,
            size=meta["size"],
            sha256=meta["sha256"],
            content_type=meta["content_type"],
            stored_at=meta["stored_at"],
            expires_at=meta["expires_at"],
            headers=tuple((str(k), str(v)) for k, v in meta["headers"]),
        )

    async def stream(self, artefact: StoredArtefact) -> ByteStream:
        """The entry's bytes, in chunks."""
        file = await anyio.open_file(artefact.path, "rb")
        await file.seek(artefact.offset)

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await file.read(CHUNK_SIZE):
                yield chunk

        return ByteStream(chunks(), file.aclose, artefact.size)

    def tee(
        self,
        key: str,
        source: AsyncIterator[bytes],
        close_source: Callable[[], Awaitable[None]],
        *,
        length: int | None,
        content_type: str,
        headers: tuple[tuple[str, str], ...],
        ttl: float,
    ) -> ByteStream:
        """Pass ``source`` through while storing it under ``key`` if it completes."""
        meta = {"content_type": content_type, "headers": [list(h) for h in headers], "ttl": ttl}
        if not self._swept:  # a previous run's leftovers: they count against the bound
            self._swept = True
            with contextlib.suppress(OSError):
                self._evict()
        tee = _Tee(self, key, source, close_source, length, meta)
        if key not in self._pending:
            self._pending[key] = tee  # a second concurrent download of the key just streams
        return ByteStream(tee.chunks(), tee.aclose, length)

    def _release(self, tee: _Tee) -> None:
        if self._pending.get(tee.key) is tee:
            del self._pending[tee.key]
        tee.done.set()

    def _commit(self, part: Path, key: str, meta: dict[str, Any]) -> None:
        """Write the header of a finished file and rename it into place (worker thread)."""
        now = self.clock()
        meta |= {"stored_at": now, "expires_at": now + meta.pop("ttl")}
        with part.open("r+b") as file:
            file.write(_header(meta))
        part.replace(self.directory / f"{key}{SUFFIX}")
        self._evict()

    def _evict(self) -> None:
        entries: list[tuple[float, int, Path]] = []
        parts = 0  # downloads in progress (here or in another process) take room too
        now = time.time()
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.suffix == SUFFIX:
                entries.append((stat.st_mtime, stat.st_size - HEADER_SIZE, path))
            elif path.suffix == PART_SUFFIX:
                if now - stat.st_mtime > STALE_PART_SECONDS:
                    path.unlink(missing_ok=True)
                else:
                    parts += stat.st_size
        total = parts + sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size


def _header(meta: dict[str, Any]) -> bytes:
    line = json.dumps(meta, separators=(",", ":")).encode()
    if len(line) >= HEADER_SIZE:  # only a huge Content-Disposition could do this: drop extras
        line = json.dumps(meta | {"headers": []}, separators=(",", ":")).encode()
    return line.ljust(HEADER_SIZE - 1) + b"\n"  # JSON allows the padding as whitespace


class _Tee:
    """One download passing through to its client and into a temporary file."""

    def __init__(
        self,
        cache: ArtefactCache,
        key: str,
        source: AsyncIterator[bytes],
        close_source: Callable[[], Awaitable[None]],
        length: int | None,
        meta: dict[str, Any],
    ) -> None:
        self.cache = cache
        self.key = key
        self.source = source
        self.close_source = close_source
        self.length = length
        self.meta = meta
        self.done = anyio.Event()
        self.part = cache.directory / f"{key}.{secrets.token_hex(6)}{PART_SUFFIX}"
        self.file: Any = None
        self.digest = hashlib.sha256()
        self.size = 0
        self.finished = False

    async def chunks(self) -> AsyncIterator[bytes]:
        await self._open()
        held: bytes | None = None  # one chunk behind the source: see the module doc
        async for chunk in self.source:
            if self.file is not None:
                await self._write(chunk)
            if held is not None:
                yield held
            held = chunk
        if self.file is not None and self.length in (None, self.size):
            await self._finish()  # every byte arrived: kept, whatever the client does next
        if held is not None:
            yield held

    async def _open(self) -> None:
        try:
            await anyio.to_thread.run_sync(
                lambda: self.cache.directory.mkdir(parents=True, exist_ok=True)
            )
            self.file = await anyio.open_file(self.part, "wb")
            await self.file.write(b"\n" * HEADER_SIZE)  # the header's place, written last
        except OSError:
            await self._discard()  # the client still gets its bytes; they are just not kept

    async def _write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.digest.update(chunk)
        if self.size > self.cache.max_bytes:
            await self._discard()
            return
        try:
            await self.file.write(chunk)
        except OSError:
            await self._discard()

    async def _finish(self) -> None:
        file, self.file = self.file, None
        try:
            await file.aclose()
            meta = self.meta | {"size": self.size, "sha256": self.digest.hexdigest()}
            await anyio.to_thread.run_sync(self.cache._commit, self.part, self.key, meta)
            self.finished = True
        except OSError:
            await anyio.to_thread.run_sync(lambda: self.part.unlink(missing_ok=True))
        finally:
            self.cache._release(self)

    async def _discard(self) -> None:
        """Stop storing: delete the temporary file and let waiters make their own calls."""
        # Shielded: this runs when the client went away, i.e. inside a cancelled scope too.
        with anyio.CancelScope(shield=True):
            file, self.file = self.file, None
            if file is not None:
                with contextlib.suppress(OSError):
                    await file.aclose()
            await anyio.to_thread.run_sync(lambda: self.part.unlink(missing_ok=True))
        self.cache._release(self)

    async def aclose(self) -> None:
        try:
            if not self.finished:
                await self._discard()
        finally:
            with anyio.CancelScope(shield=True):
                await self.close_source()
