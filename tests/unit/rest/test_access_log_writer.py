"""Log lines written by a writer thread (logqueue.py): off the request path, none lost."""

from __future__ import annotations

import io
import logging
import logging.config
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from iocgate.logqueue import QueuedStreamHandler


class ThreadNoting(logging.Formatter):
    """Formats as ``%(message)s`` and remembers which threads did the formatting."""

    def __init__(self) -> None:
        super().__init__("%(message)s")
        self.threads: set[str] = set()

    def format(self, record: logging.LogRecord) -> str:
        self.threads.add(threading.current_thread().name)
        return super().format(record)


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("iocgate.test-log-writer")
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log
    for handler in log.handlers:
        handler.close()
    log.handlers.clear()


def attach(log: logging.Logger, stream: io.StringIO | io.TextIOWrapper) -> QueuedStreamHandler:
    handler = QueuedStreamHandler(stream)
    handler.setFormatter(ThreadNoting())
    log.handlers[:] = [handler]
    return handler


def lines_of(stream: io.StringIO, count: int) -> list[str]:
    """The stream's lines once ``count`` have landed (the writer is a thread: wait for it)."""
    deadline = time.monotonic() + 5
    while len(stream.getvalue().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_every_line_is_written_in_order_and_formatted_off_the_logging_thread(
    logger: logging.Logger,
) -> None:
    stream = io.StringIO()
    handler = attach(logger, stream)
    for n in range(2000):
        logger.info("line %d", n)
    handler.close()  # what logging.shutdown does at exit: everything queued is written
    assert stream.getvalue().splitlines() == [f"line {n}" for n in range(2000)]
    formatter = handler.formatter
    assert isinstance(formatter, ThreadNoting)
    assert threading.current_thread().name not in formatter.threads


def test_lines_keep_coming_after_logging_config_closes_the_handler(
    logger: logging.Logger,
) -> None:
    # uvicorn's Config runs dictConfig, which closes every existing handler: the gateway's
    # access lines must not stop there.
    stream = io.StringIO()
    attach(logger, stream)
    logger.info("before")
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    logger.info("after")
    assert lines_of(stream, 2) == ["before", "after"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() only")
def test_a_forked_worker_writes_its_lines_and_none_of_its_parents_twice(
    logger: logging.Logger, tmp_path: Path
) -> None:
    path = tmp_path / "log.txt"
    with open(path, "w", buffering=1) as stream:
        handler = attach(logger, stream)
        for n in range(100):
            logger.info("parent %d", n)
        pid = os.fork()
        if pid == 0:  # the worker, as cli/workers.py ends one
            code = 1
            try:
                logger.info("worker line")
                handler.close()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        logger.info("parent after")
        handler.close()
    lines = path.read_text().splitlines()
    assert os.waitstatus_to_exitcode(status) == 0
    assert sorted(lines) == sorted(
        [f"parent {n}" for n in range(100)] + ["worker line", "parent after"]
    )


def test_text_lines_carry_the_time_the_stdlib_formatter_gives(
    logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    # The text format computes its date once a second: lines across a second boundary, and
    # within one, must read exactly as logging's own `asctime` would.
    from iocgate.cli.output import setup_logging

    gateway = logging.getLogger("iocgate")
    saved = gateway.handlers[:], gateway.level, gateway.propagate
    setup_logging("info", "text")
    handler = gateway.handlers[0]
    stdlib = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    expected = []
    try:
        for created in (1_700_000_000.123, 1_700_000_000.999, 1_700_000_001.0005, 1_700_000_001.5):
            record = gateway.makeRecord("iocgate.x", logging.INFO, "", 0, "m %d", (1,), None)
            record.created, record.msecs = created, (created - int(created)) * 1000
            expected.append(stdlib.format(record))
            handler.handle(record)
        handler.close()
    finally:  # the process's other tests see the iocgate logger as it was
        gateway.handlers[:], gateway.level, gateway.propagate = saved
    assert capsys.readouterr().err.splitlines() == expected
