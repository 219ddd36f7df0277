"""Prototype of fix 10 (bench/FINDINGS.md): a REST fast path for repeated cache hits.

make_proto.py --fast copies it to exposes/rest/fastpath.py in the scratch copy of src/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HitFastPath"]

FASTPATH_KEY = "iocgate.fastpath"


@dataclass(frozen=True, slots=True)
class _Entry:
    cache_key: str
    stored_at: float
    body: bytes
    headers: list[tuple[bytes, bytes]]


class HitFastPath:
    """Serves a GET whose exact path and query were answered from the cache before, straight
    from the bytes the full path produced, once the engine's cache confirms the same version."""

    def __init__(self, app: ASGIApp, engine: Any, max_entries: int = 1024) -> None:
        self.app = app
        self.engine = engine
        self.max_entries = max_entries
        self.entries: dict[tuple[bytes, bytes], _Entry] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            key = (scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""))
            entry = self.entries.get(key)
            if entry is not None and _plain(scope):
                stored = await self.engine.cache.get(entry.cache_key)
                if stored is not None and stored.stored_at == entry.stored_at:
                    age = str(max(0, int(self.engine.clock() - stored.stored_at))).encode()
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [*entry.headers, (b"age", age)],
                        }
                    )
                    await send({"type": "http.response.body", "body": entry.body})
                    return
                self.entries.pop(key, None)
            scope[FASTPATH_KEY] = (self, key)
        await self.app(scope, receive, send)

    def learn(
        self,
        key: tuple[bytes, bytes],
        version: tuple[str, float],
        body: bytes,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        kept = [(k, v) for k, v in headers if k != b"age"]
        self.entries[key] = _Entry(version[0], version[1], body, kept)


def _plain(scope: Scope) -> bool:
    """No Cache-Control (a refresh or bypass) and no gzip wanted (the full path compresses)."""
    for name, value in scope["headers"]:
        if name == b"cache-control":
            return False
        if name == b"accept-encoding" and b"gzip" in value:
            return False
    return True
