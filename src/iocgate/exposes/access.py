"""One access log line per request, REST and MCP alike (logger ``iocgate.access``).

Each line names who called (the bearer token's id, else the peer address; never a token), what
they called (the operation), how it ended (status, cache, upstream status) and how long it
took, with the request id that the upstream call's own line carries too (docs/operations.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

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
        args = (
            self.method, self.path, self.status, duration, self.cache,
            self.upstream_status or "-", self.operation or "-", self.client or "-",
            self.request_id,
        )  # fmt: skip
        extra = {
            "request_id": self.request_id, "adapter": self.adapter,
            "method": self.method, "path": self.path,
            "operation": self.operation, "status": self.status,
            "duration_ms": round(duration, 1), "cache": self.cache,
            "upstream_status": self.upstream_status, "client": self.client,
        }  # fmt: skip
        fixed = _fixed_fields()
        if fixed is None:  # a record factory or caller lookup in place: the stdlib's own way
            access_log.info(_LINE, *args, extra=extra)
        else:  # what `info` would hand the handlers, without `makeRecord`'s work per line
            access_log.handle(_AccessLine(fixed, args, extra))


_LINE = "%s %s %s %.1fms cache=%s upstream=%s op=%s client=%s id=%s"


class _AccessLine(logging.LogRecord):
    """An access line's `LogRecord`: the same attributes, in the same order, as
    ``access_log.info(_LINE, *args, extra=extra)`` makes, copied from `_fixed_fields`."""

    def __init__(  # the base __init__ derives per call what is fixed here (about 2 us)
        self, fixed: dict[str, Any], args: tuple[object, ...], extra: dict[str, Any]
    ) -> None:
        fields = self.__dict__
        fields.update(fixed)
        now = time.time()
        fields["args"] = args
        fields["created"] = now
        fields["msecs"] = int((now - int(now)) * 1000) + 0.0
        fields["relativeCreated"] = (now - _logging_started) * 1000
        fields.update(extra)


_fixed: dict[str, Any] = {}
_logging_flags = vars(logging)
_logging_started = 0.0


def _fixed_fields() -> dict[str, Any] | None:
    """The attributes every access line's record shares, or None when a record holds more than
    that (a custom record factory, caller lookup, thread, process or task names: `setup_logging`
    turns those off, a host application may not)."""
    if (
        logging._srcfile
        or logging.logThreads
        or logging.logProcesses
        or logging.logMultiprocessing
        or _logging_flags.get("logAsyncioTasks")  # Python 3.12+ (getattr would raise inside)
        or logging.getLogRecordFactory() is not logging.LogRecord
    ):
        return None
    if not _fixed:
        global _logging_started
        model = logging.LogRecord(
            access_log.name, logging.INFO, _UNKNOWN_FILE, 0, _LINE, (), None, _UNKNOWN_FUNCTION
        )
        _logging_started = model.created - model.relativeCreated / 1000
        _fixed.update(vars(model))
    return _fixed


# What `Logger._log` passes for the caller when it looks none up (`logging._srcfile` is None).
_UNKNOWN_FILE, _UNKNOWN_FUNCTION = "(unknown file)", "(unknown function)"
