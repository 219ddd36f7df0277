"""Structured logs: one JSON object per line with the request id and what the request did."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["JsonFormatter"]

# Attributes a LogRecord always has; anything else was passed with `extra=` and is ours to emit.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; ``scrub`` removes secrets from the finished line."""

    def __init__(self, scrub: Callable[[str], str] = lambda text: text) -> None:
        super().__init__()
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {
            key: value
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self._scrub(json.dumps(entry, default=str, ensure_ascii=False))
