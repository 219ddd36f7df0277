"""Binary answers (pcap, evtx, memdump, html): measured in one pass, never put in the context.

The stream is read once, in constant memory: sha256 and size of exactly the bytes received (the
bytes the REST route passes through untouched), plus the first `HEAD_BYTES` for a digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from iocgate.engine import Result

__all__ = ["HEAD_BYTES", "Measured", "measure_artefact"]

#: How much of an artefact a plugin sees to build its digest.
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Measured:
    """What an agent learns about an artefact without receiving it."""

    size: int
    sha256: str
    head: bytes


async def measure_artefact(result: Result, keep: int = HEAD_BYTES) -> Measured:
    """Read ``result``'s bytes once; keep their digest, size and first ``keep`` bytes."""
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    if result.stream is not None:
        try:
            async for chunk in result.stream:
                digest.update(chunk)
                size += len(chunk)
                if len(head) < keep:
                    head += chunk[: keep - len(head)]
        finally:
            await result.stream.aclose()
    elif result.content is not None:
        digest.update(result.content)
        size = len(result.content)
        head += result.content[:keep]
    return Measured(size=size, sha256=digest.hexdigest(), head=bytes(head))
