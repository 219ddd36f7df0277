"""A supervisor for ``serve --workers N``: N forked processes, each serving the shared sockets.

The supervisor binds nothing and serves nothing itself: the caller binds the listening sockets
before `Supervisor.run`, every worker inherits them through ``fork`` and accepts from the same
queues (one listen backlog per port, so a worker that dies loses no queued connection). It
forwards SIGTERM and SIGINT to the workers, which drain, and waits for them; a worker that
exits while nobody asked it to is replaced, so a crash or ``kill -TERM <worker pid>`` (a
drained restart of one worker) never stops the others. A worker that fails within its first
seconds fails the whole command instead of being restarted in a loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from iocgate.cli.output import stderr

__all__ = ["Supervisor", "parse_workers"]

#: A worker that exits with an error sooner than this after its start is a start-up failure.
STARTUP_SECONDS = 5.0


def parse_workers(value: str | int) -> int:
    """``--workers``: a count of at least 1, or ``auto`` for one per usable core."""
    from iocgate.errors import InvalidArgumentError

    text = str(value).strip().lower()
    if text == "auto":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise InvalidArgumentError(
            f"invalid --workers {value!r}: give a number of processes (1 or more) or 'auto' "
            "for one per core"
        )
    if count > 1 and not hasattr(os, "fork"):
        raise InvalidArgumentError(
            "--workers needs fork(), which this platform lacks: run one process per port "
            "behind a load balancer instead, or use --workers 1"
        )
    return count


@dataclass
class _Child:
    index: int
    started: float


class Supervisor:
    """Runs ``target(index)`` in ``count`` forked processes until a signal stops them all.

    ``target`` returns the worker's exit status; ``on_exit(pid)`` runs in the supervisor
    after each worker ends (e.g. to forget its live metrics).
    """

    def __init__(
        self,
        count: int,
        target: Callable[[int], int],
        *,
        on_exit: Callable[[int], None] = lambda pid: None,
    ) -> None:
        self.count = count
        self.target = target
        self.on_exit = on_exit
        self.stopping = False
        self.status = 0
        self._children: dict[int, _Child] = {}

    def run(self) -> int:
        """Start the workers and supervise them; the exit status for the command."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for index in range(self.count):
                self._spawn(index)
            stderr(
                f"iocgate: {self.count} workers (pids "
                f"{', '.join(str(pid) for pid in self._children)})"
            )
            while self._children:
                pid, status = os.waitpid(-1, 0)  # signals interrupt it, then it resumes
                self._reap(pid, os.waitstatus_to_exitcode(status))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.status

    def _spawn(self, index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the supervisor's code
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                code = self.target(index)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                logging.shutdown()  # the log writer thread's queued lines (logqueue.py)
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self._children[pid] = _Child(index, time.monotonic())
        if self.stopping:  # a signal arrived while forking: this one must hear it too
            os.kill(pid, signal.SIGTERM)

    def _reap(self, pid: int, code: int) -> None:
        child = self._children.pop(pid, None)
        if child is None:
            return
        self.on_exit(pid)
        if self.stopping:
            if code not in (0, -signal.SIGTERM, -signal.SIGINT):
                self.status = self.status or (code if code > 0 else 1)
            return
        how = f"exit status {code}" if code >= 0 else f"signal {signal.Signals(-code).name}"
        if code > 0 and time.monotonic() - child.started < STARTUP_SECONDS:
            stderr(f"worker {child.index} (pid {pid}) failed at start-up ({how}): stopping")
            self.status = code
            self._stop()
            return
        stderr(f"worker {child.index} (pid {pid}) ended ({how}): starting a new one")
        self._spawn(child.index)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            stderr(
                f"received {signal.Signals(signum).name}: draining {len(self._children)} workers"
            )
        self._stop()

    def _stop(self) -> None:
        # A second signal is forwarded too: a worker receiving it stops without draining.
        self.stopping = True
        for pid in self._children:
            with contextlib.suppress(ProcessLookupError):  # already gone: reaped next
                os.kill(pid, signal.SIGTERM)
