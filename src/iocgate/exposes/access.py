"""One access log line per request, REST and MCP alike (logger ``iocgate.access``).

Each line names who called (the bearer token's id, else the peer address; never a token), what
they called (the operation), how it ended (status, cache, upstream status) and how long it
took, with the request id that the upstream call's own line carries too (docs/operations.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from iocgate.engine import Result

__all__ = ["AccessRecord"]

access_log = logging.getLogger("iocgate.access")


@dataclass(slots=True)
class AccessRecord:
    """What one request did, filled in while it runs; `write` logs it once."""

    adapter: str
    request_id: str
    method: str  # GET, ... or tools/call
    path: str  # the raw path (never the query) or the tool's name
    client: str | None = None
    operation: str | None = None
    status: int | str = 0
    cache: str = "-"
    upstream_status: int | None = None
    started: float = field(default_factory=time.perf_counter)

    def note(self, result: Result) -> None:
        """Take the operation (its bare name, as metrics label it), cache and upstream outcome
        from an engine `Result`."""
        self.operation = result.operation.rsplit(".", 1)[-1]
        self.cache = result.cache.value
        self.upstream_status = result.upstream_status

    def write(self) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        duration = (time.perf_counter() - self.started) * 1000
        access_log.info(
            "%s %s %s %.1fms cache=%s upstream=%s op=%s client=%s id=%s",
            self.method, self.path, self.status, duration, self.cache, self.upstream_status or "-",
            self.operation or "-", self.client or "-", self.request_id,
            extra={
                "request_id": self.request_id, "adapter": self.adapter,
                "method": self.method, "path": self.path,
                "operation": self.operation, "status": self.status,
                "duration_ms": round(duration, 1), "cache": self.cache,
                "upstream_status": self.upstream_status, "client": self.client,
            },
        )  # fmt: skip
