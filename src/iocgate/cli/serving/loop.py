"""The run loop: one process serving every bound port until a signal drains it, or N workers."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass, replace
from typing import Any

import anyio
import anyio.to_thread

from iocgate.cli import output
from iocgate.cli.output import handle_errors, stderr
from iocgate.cli.serving.apps import control_options, mcp_app, other_app, rest_app
from iocgate.cli.serving.banner import announce, serving_urls
from iocgate.cli.serving.heap import import_mcp_stack, settle_heap
from iocgate.cli.serving.listeners import Listeners, bind_listeners
from iocgate.settings import Settings

__all__ = ["DUPLICATE_SIGNAL_SECONDS", "WorkerRole", "run", "serve_gateway", "serve_workers"]


@dataclass(frozen=True)
class WorkerRole:
    """This process is worker ``index`` under the supervisor ``parent``."""

    index: int
    listeners: Listeners
    parent: int
    metrics_dir: str


#: Under a supervisor, a signal that follows the first this closely is the same stop told
#: twice (the terminal's Ctrl-C reaches every process of the group, the supervisor forwards it).
DUPLICATE_SIGNAL_SECONDS = 0.5


async def _watch_signals(apps: list[Any], stopped: anyio.Event, *, supervised: bool) -> None:
    from iocgate.gateway import stop_apps

    first = 0.0
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            if stopped.is_set():
                if supervised and time.monotonic() - first < DUPLICATE_SIGNAL_SECONDS:
                    continue
                stop_apps(apps, force=True)  # a second signal: stop now
                return
            first = time.monotonic()
            stderr(f"received {signal.Signals(received).name}: draining in-flight requests")
            stopped.set()
            stop_apps(apps)


async def _watch_parent(parent: int, apps: list[Any], stopped: anyio.Event) -> None:
    """A worker whose supervisor died (SIGKILL) drains and stops instead of living on."""
    from iocgate.gateway import stop_apps

    while True:  # no event tells a process that its parent died: look every second
        await anyio.sleep(1.0)
        if os.getppid() != parent:
            break
    if not stopped.is_set():
        stderr("the supervisor is gone: draining in-flight requests")
        stopped.set()
        stop_apps(apps)


async def serve_gateway(settings: Settings, role: WorkerRole | None = None) -> None:
    """Open the gateway, serve every bound port, and drain on SIGTERM/SIGINT."""
    from iocgate.exposes.metrics import Metrics
    from iocgate.gateway import bind_app, open_gateway

    # Under a supervisor every worker's samples meet in one directory, summed at /metrics.
    metrics = Metrics() if role is None else Metrics(shared_dir=role.metrics_dir, worker=role.index)
    async with open_gateway(settings, observer=metrics, shared_quota=role is not None) as gateway:
        output.SECRETS[:] = gateway.engine.secrets
        metrics.watch_front(gateway.engine.memory_front())
        # Both ports are bound before anything starts: a busy port fails at once, and MCP
        # clients wait in the listen backlog while REST already answers.
        listeners = role.listeners if role else bind_listeners(settings, gateway.capabilities)
        rest_sock, mcp_sock = listeners.rest, listeners.mcp
        rest_host, mcp_host = listeners.rest_host, listeners.mcp_host
        drain = settings.drain_seconds
        apps: list[Any] = []
        rest_url, urls = serving_urls(gateway, listeners)
        # Said as soon as the ports are bound, before any access line (#17): a log read from a
        # file or a journal must start by saying what answers there.
        if role is None or role.index == 0:  # one banner for all workers
            announce(gateway, urls)
        stopped = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: _watch_signals(apps, stopped, supervised=role is not None))
            group.start_soon(metrics.watch_loop)
            metrics.watch_gc()
            if role is not None:
                group.start_soon(_watch_parent, role.parent, apps, stopped)
            async with anyio.create_task_group() as servers:

                def start(kind: str, app: Any, host: str, sock: socket.socket) -> None:
                    """Serve ``app`` on its bound socket, with every port's bounds."""
                    served = bind_app(
                        kind, app, host, 0, drain_seconds=drain, sock=sock,
                        trusted_proxies=settings.trusted_proxies,
                        header_timeout=settings.header_timeout,
                        client_connections=settings.client_connections,
                    )  # fmt: skip
                    apps.append(served)
                    assert served.server is not None
                    servers.start_soon(served.server.serve, [served.sock])

                if rest_sock is not None:
                    start("rest", rest_app(gateway, settings, metrics), rest_host, rest_sock)
                control = control_options(gateway, listeners, apps, metrics)
                for other in listeners.others:
                    app = other_app(gateway, settings, other, control)
                    start(other.kind, app, other.host, other.sock)
                if mcp_sock is not None and not stopped.is_set():
                    # REST answers while the MCP stack is imported in a worker thread (the
                    # import would otherwise hold the event loop for ~0.7 s).
                    await anyio.to_thread.run_sync(import_mcp_stack)
                if mcp_sock is not None and not stopped.is_set():  # no SIGTERM meanwhile
                    app = mcp_app(gateway, replace(settings, host=mcp_host), rest_url)
                    start("mcp", app, mcp_host, mcp_sock)
                elif mcp_sock is not None and role is None:
                    mcp_sock.close()  # stopped before MCP was up: nothing will serve it
                settle_heap()
            group.cancel_scope.cancel()
            metrics.stop_watching_gc()
        stderr("iocgate stopped" if role is None else f"worker {role.index} stopped")


def run(settings: Settings, role: WorkerRole | None = None) -> int:
    """Serve in this process until stopped (exit status 0)."""
    # uvicorn picks uvloop only in Server.run(); served from anyio.run it must be asked for.
    uvloop = importlib.util.find_spec("uvloop") is not None
    anyio.run(serve_gateway, settings, role, backend_options={"use_uvloop": uvloop})
    return 0


def serve_workers(settings: Settings, count: int) -> int:
    """Bind the ports here, then fork ``count`` workers that serve them (cli/workers.py)."""
    from iocgate.cli.workers import Supervisor
    from iocgate.gateway import load_capabilities

    capabilities = load_capabilities(settings)
    listeners = bind_listeners(settings, capabilities)
    if listeners.mcp is not None:
        # Imported once here, the MCP stack's pages are shared by every worker (fork is
        # copy-on-write, and frozen objects are never written by a collection).
        import_mcp_stack()
    settle_heap()
    metrics_dir = tempfile.mkdtemp(prefix="iocgate-metrics-")
    parent = os.getpid()

    @handle_errors
    def work(index: int) -> int:
        return run(settings, WorkerRole(index, listeners, parent, metrics_dir))

    def forget(pid: int) -> None:
        from iocgate.exposes.metrics import Metrics

        Metrics.forget_process(metrics_dir, pid)

    try:
        return Supervisor(count, work, on_exit=forget).run()
    finally:
        for sock in listeners.sockets():
            sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
