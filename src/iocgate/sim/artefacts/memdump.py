"""The `/memdump` artefact: deterministic pseudo-random bytes of any size, streamed in chunks.

Nothing larger than one chunk is ever held in memory, so a multi-gigabyte dump costs the
server a few hundred kilobytes; chunk `i` depends only on the report and `i`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from random import Random

__all__ = ["CHUNK_SIZE", "CONTENT_TYPE", "memdump_chunks"]

CONTENT_TYPE = "application/octet-stream"
CHUNK_SIZE = 256 * 1024
_MAGIC = b"MDMP\x93\xa7\x00\x00"  # a minidump signature, so the first bytes look the part


async def memdump_chunks(report_id: str, size: int) -> AsyncIterator[bytes]:
    """Yield exactly `size` bytes."""
    sent = 0
    index = 0
    while sent < size:
        length = min(CHUNK_SIZE, size - sent)
        chunk = Random(f"memdump/{report_id}/{index}").randbytes(length)
        if index == 0:
            chunk = (_MAGIC + chunk[len(_MAGIC) :])[:length]
        yield chunk
        sent += length
        index += 1
