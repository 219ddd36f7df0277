"""How the CLI writes: results to stdout (pure JSON with --json), everything else to stderr.

Errors are rendered here and only here: ``error: <Code>: <message>`` on stderr, exit status 1
(2 for usage errors, which click reports itself).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import click

from iocgate.errors import IocgateError
from iocgate.redaction import redact

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "fail",
    "handle_errors",
    "is_terminal",
    "print_json",
    "result_console",
    "setup_logging",
    "stderr",
]

P = ParamSpec("P")
T = TypeVar("T")

#: Secrets to scrub from anything printed; filled in once a gateway knows its binds.
SECRETS: list[str] = []


def stderr(message: str) -> None:
    """A diagnostic line on stderr (never stdout, which belongs to results)."""
    click.echo(_scrub(message), err=True)


def _scrub(text: str) -> str:
    return redact(text, SECRETS)


def is_terminal(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def fail(error: IocgateError) -> NoReturn:
    """Print ``error`` and exit 1."""
    stderr(f"error: {error.code}: {error.message}")
    sys.exit(1)


#: Width of a result printed to a pipe or a file: nothing a reader greps may be wrapped.
UNWRAPPED_WIDTH = 100_000


def result_console() -> Console:
    """A ``rich`` console for results on stdout: the terminal's width on a terminal; else no
    wrapping at all (rich would wrap at 80 columns mid-token, e.g. in a hash or a registry path)."""
    from rich.console import Console

    if is_terminal():
        return Console(file=sys.stdout, highlight=False, soft_wrap=False)
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, width=UNWRAPPED_WIDTH)


def print_json(data: Any, *, raw: bytes | None = None, pretty: bool | None = None) -> None:
    """Print JSON to stdout: the exact bytes when given and not pretty, coloured on a terminal."""
    pretty = is_terminal() if pretty is None else pretty
    if not pretty:
        if raw is not None:
            sys.stdout.buffer.write(raw)
            if not raw.endswith(b"\n"):
                sys.stdout.buffer.write(b"\n")
            sys.stdout.flush()
        else:
            click.echo(json.dumps(data, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.json import JSON

    Console(soft_wrap=True).print(JSON.from_data(data, ensure_ascii=False))


def handle_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Render `IocgateError` on stderr with exit 1; never show a traceback to a user."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            try:
                return func(*args, **kwargs)
            except BaseExceptionGroup as group:
                raise _unwrap(group) from None
        except IocgateError as exc:
            fail(exc)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, without a traceback on close.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            stderr("interrupted")
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # the last line of defence: no traceback for users
            logging.getLogger("iocgate").debug("unexpected error", exc_info=True)
            stderr(
                f"error: InternalError: {type(exc).__name__}: {_scrub(str(exc))} "
                "(run with IOCGATE_LOG_LEVEL=debug for details)"
            )
            sys.exit(1)

    return wrapper


def _unwrap(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first meaningful exception inside task-group wrappers (IocgateError first)."""
    leaves: list[BaseException] = []

    def collect(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                collect(inner)
        else:
            leaves.append(error)

    collect(group)
    for kind in (IocgateError, KeyboardInterrupt, BrokenPipeError, SystemExit):
        for leaf in leaves:
            if isinstance(leaf, kind):
                return leaf
    return leaves[0] if leaves else group


class _RedactingFormatter(logging.Formatter):
    _second = -1
    _stamp = ""

    def format(self, record: logging.LogRecord) -> str:
        return _scrub(super().format(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # The date and time change once a second, not once a line (one writer thread formats).
        second = int(record.created)
        if second != self._second or datefmt:
            stamp = time.strftime(datefmt or self.default_time_format, self.converter(second))
            if datefmt:
                return stamp
            self._second, self._stamp = second, stamp
        return f"{self._stamp},{int(record.msecs):03d}"  # the stdlib default_msec_format


def setup_logging(level: str = "info", log_format: str = "text") -> None:
    """Log to stderr, text or one JSON object per line; secrets scrubbed from every line."""
    from iocgate.logs import JsonFormatter

    # Our records never print threads, processes or source lines: don't collect them
    # (the logging HOWTO's "Optimization"; a few µs of every logged request).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup: our formats print no file, line or function
    from iocgate.logqueue import QueuedStreamHandler

    # Formatted and written by a thread: a request only queues its access line (logqueue.py).
    handler = QueuedStreamHandler(sys.stderr)
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter(scrub=_scrub)
    else:
        formatter = _RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger("iocgate")
    for previous in root.handlers:
        previous.close()  # a writer thread of an earlier call ends with its queue written
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
