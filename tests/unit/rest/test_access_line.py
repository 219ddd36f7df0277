"""The access line's record (exposes/access.py): built without `makeRecord`, yet the same record
a handler, filter or formatter of the user's would get from ``logger.info``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest

from iocgate.exposes.access import AccessRecord
from iocgate.logs import JsonFormatter

#: What differs between two records made a moment apart.
_MOMENT = {"created", "msecs", "relativeCreated", "args", "duration_ms"}


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access() -> Iterator[Keep]:
    """The ``iocgate.access`` logger with a handler of ours, with the flags `setup_logging` sets
    (no threads, processes, caller lookup); all restored afterwards."""
    log = logging.getLogger("iocgate.access")
    saved = (log.handlers[:], log.level, log.propagate, log.filters[:])
    flags = (logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    srcfile, factory = logging._srcfile, logging.getLogRecordFactory()
    keep = Keep()
    log.handlers[:], log.propagate = [keep], False
    log.setLevel(logging.INFO)
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    try:
        yield keep
    finally:
        log.handlers[:], log.level, log.propagate, log.filters[:] = saved
        logging.logThreads, logging.logProcesses, logging.logMultiprocessing = flags
        logging._srcfile = srcfile
        logging.setLogRecordFactory(factory)


def line() -> AccessRecord:
    record = AccessRecord("rest", "req-1", "GET", "/v1/files/abc/behaviour_summary", "10.0.0.7")
    record.operation, record.status, record.cache, record.upstream_status = "op", 200, "HIT", 200
    return record


def plain_factory() -> Callable[..., logging.LogRecord]:
    """A record factory that makes what the default one makes (and so takes the stdlib path)."""

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        return logging.LogRecord(*args, **kwargs)  # type: ignore[arg-type]

    return factory


def test_the_access_line_hands_handlers_the_record_logger_info_would(access: Keep) -> None:
    line().write()
    logging.setLogRecordFactory(plain_factory())
    line().write()  # through `Logger.info` and `makeRecord`
    ours, stdlib = access.records
    assert list(vars(ours)) == list(vars(stdlib))  # same attributes, same order (JSON keys)
    same = {k: v for k, v in vars(ours).items() if k not in _MOMENT}
    assert same == {k: v for k, v in vars(stdlib).items() if k not in _MOMENT}
    assert ours.getMessage().split(" ")[:3] == ["GET", "/v1/files/abc/behaviour_summary", "200"]
    assert abs(ours.created - stdlib.created) < 5
    assert ours.msecs == int((ours.created - int(ours.created)) * 1000)
    stdlib.created, stdlib.msecs, stdlib.args = ours.created, ours.msecs, ours.args
    stdlib.duration_ms = ours.duration_ms  # type: ignore[attr-defined]
    formatter = JsonFormatter()
    assert json.loads(formatter.format(ours)) == json.loads(formatter.format(stdlib))
    assert formatter.format(ours) == formatter.format(stdlib)  # key order included


def test_a_record_factory_filter_and_level_of_the_users_still_apply(access: Keep) -> None:
    log = logging.getLogger("iocgate.access")

    def tagged(*args: object, **kwargs: object) -> logging.LogRecord:
        record = logging.LogRecord(*args, **kwargs)  # type: ignore[arg-type]
        record.tenant = "blue"
        return record

    logging.setLogRecordFactory(tagged)
    line().write()
    assert [getattr(r, "tenant", None) for r in access.records] == ["blue"]
    logging.setLogRecordFactory(logging.LogRecord)
    log.addFilter(lambda record: record.getMessage().startswith("POST"))
    line().write()
    assert len(access.records) == 1  # the user's filter dropped it
    log.filters.clear()
    log.setLevel(logging.WARNING)
    line().write()
    assert len(access.records) == 1
    log.setLevel(logging.INFO)
    line().write()
    assert len(access.records) == 2
