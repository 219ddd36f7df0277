"""Log lines formatted and written by one thread: a request only queues its record.

`serve` logs a line per request; formatting it and writing it to stderr (a system call per line)
took about half of the app's CPU for a cached REST hit, on the event loop (bench/FINDINGS.md).
Here the stdlib's `QueueHandler` puts the record on a queue and a writer thread formats
it and writes the lines queued meanwhile with one write. Nothing is lost on a clean exit: `close`
(called by `logging.shutdown`, at exit or by a worker before it ends) drains the queue. A
process killed outright loses what was queued and not yet written: the lines of the last few
tens of milliseconds (the writer runs whenever the event loop lets go of the GIL, at every wait
for the network; 117 lines at most were seen queued under heavy load, docs/operations.md).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from logging.handlers import QueueHandler
from typing import Any, TextIO

__all__ = ["MAX_BATCH", "QueuedStreamHandler"]

#: Lines written with one write at most; the writer writes sooner when the queue runs dry.
MAX_BATCH = 64


class _Writer:
    """The writer thread: formats what is queued with the handler's formatter and writes each
    run of lines (at most `MAX_BATCH`) with one write, until `stop`."""

    _STOP = object()

    def __init__(self, handler: QueuedStreamHandler) -> None:
        self._handler = handler
        self._source: queue.SimpleQueue[Any] = handler.queue
        self._thread = threading.Thread(target=self._run, name="iocgate-log-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write everything queued, then end the thread."""
        self._source.put(self._STOP)
        self._thread.join()

    def _run(self) -> None:
        handler, source = self._handler, self._source
        while True:
            record = source.get()
            lines: list[str] = []
            while record is not self._STOP:
                try:
                    lines.append(handler.format(record))
                except Exception:  # noqa: BLE001 - the stdlib's way: report on stderr, go on
                    handler.handleError(record)
                if len(lines) >= MAX_BATCH:
                    break
                try:
                    record = source.get_nowait()
                except queue.Empty:
                    break
            if lines:
                try:
                    handler.stream.write("\n".join(lines) + "\n")
                    handler.stream.flush()
                except Exception:  # noqa: BLE001 - as `StreamHandler.emit` does
                    handler.handleError(record)
            if record is self._STOP:
                return


class QueuedStreamHandler(QueueHandler):
    """A `StreamHandler` whose formatting and writing happen in a writer thread.

    The formatter set on this handler is the one the writer uses. `close` (also what
    ``logging.config`` does to existing handlers) writes what is queued and ends the thread; the
    next record starts a new one, as does the first record in a forked child (``serve
    --workers``), lines queued before the fork having been written by the parent.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.queue: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        super().__init__(self.queue)
        self._listener: _Writer | None = None
        os.register_at_fork(before=self._stop, after_in_child=self._fresh_queue)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The record crosses no process: the writer formats it (message, exception) itself.
        return record

    def handle(self, record: logging.LogRecord) -> bool:
        # `Handler.handle` without its lock around `emit`: putting on the queue is thread-safe,
        # and the lock is a measurable part of a cached hit's CPU (bench/FINDINGS.md round 5).
        kept: object = self.filter(record)  # Python 3.12+: a filter may return a new record
        if kept:
            self.emit(kept if isinstance(kept, logging.LogRecord) else record)
        return bool(kept)

    def emit(self, record: logging.LogRecord) -> None:
        if self._listener is None:
            with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                if self._listener is None:
                    self._start()
        super().emit(record)

    def close(self) -> None:
        self._stop()
        super().close()

    def _start(self) -> None:
        self._listener = _Writer(self)

    def _stop(self) -> None:
        """Write everything queued, then end the thread."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def _fresh_queue(self) -> None:
        # The parent's queue and lock states are not this process's to inherit.
        self._listener = None
        self.queue = queue.SimpleQueue()
