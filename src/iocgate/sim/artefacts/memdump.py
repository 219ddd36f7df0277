"""The `/memdump` artefact: deterministic pseudo-random bytes of any size, streamed in chunks.

Nothing larger than one chunk is ever held in memory, so a multi-gigabyte dump costs the
server a few hundred kilobytes; chunk `i` depends only on the report and `i`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from random import Random

__all__ = ["CHUNK_SIZE", "CONTENT_TYPE", "memdump_chunks"]

CONTENT_TYPE = "application/octet-stream"
CHUNK_SIZE = 256 * 1024
_MAGIC = b"MDMP\x93\xa7\x00\x00"  # a minidump signature, so the first bytes look the part


async def memdump_chunks(
    report_id: str, size: int, strings: Sequence[str] = ()
) -> AsyncIterator[bytes]:
    """Yield exactly `size` bytes; ``strings`` are planted in the first chunk, NUL-terminated,
    every other one as UTF-16LE, so a reader finds what the process held (#22.6)."""
    sent = 0
    index = 0
    while sent < size:
        length = min(CHUNK_SIZE, size - sent)
        chunk = Random(f"memdump/{report_id}/{index}").randbytes(length)
        if index == 0:
            chunk = (_MAGIC + chunk[len(_MAGIC) :])[:length]
            chunk = _plant(chunk, strings)
        yield chunk
        sent += length
        index += 1


def _plant(chunk: bytes, strings: Sequence[str]) -> bytes:
    planted = bytearray(chunk)
    offset = 4096
    for index, text in enumerate(strings):
        data = text.encode("utf-16-le" if index % 2 else "ascii", errors="replace")
        framed = b"\x00\x00" + data + b"\x00\x00"  # NULs apart from the random bytes around
        if offset + len(framed) > len(planted):
            break
        planted[offset : offset + len(framed)] = framed
        offset += len(framed) + 256
    return bytes(planted)
