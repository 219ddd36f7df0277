"""`iocgate serve`: every adapter the capabilities expose (REST :8080, MCP :9090/mcp)."""

from __future__ import annotations

import gc
import importlib
import importlib.util
import ipaddress
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import click

from iocgate.cli import output
from iocgate.cli.options import gateway_options, settings_from
from iocgate.cli.output import handle_errors, setup_logging, stderr
from iocgate.errors import InvalidArgumentError
from iocgate.settings import Settings

DEFAULT_HOST = Settings.host  # the dataclass default: no --host, no config or env host

if TYPE_CHECKING:
    from iocgate.capability import Capability
    from iocgate.exposes.auth import Credential
    from iocgate.exposes.control import ControlOptions
    from iocgate.exposes.metrics import Metrics
    from iocgate.gateway import Gateway

__all__ = ["serve"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Off loopback, anyone on the network could spend the key: demand tokens or consent."""
    if _is_loopback(settings.host) or settings.tokens or settings.allow_open:
        return
    raise InvalidArgumentError(
        f"refusing to listen on {settings.host} without inbound authentication: anyone who "
        "can reach it could spend your VirusTotal quota. Set bearer tokens with "
        "IOCGATE_TOKENS=token1,token2 (or [auth] tokens = [...] in --config), or pass "
        "--allow-open to accept an open gateway."
    )


@dataclass(frozen=True)
class AdapterListener:
    """The socket of one more adapter (skill, control): exposes[``adapter``] of capability
    ``capability`` (indexes, so that a forked worker finds the same adapter it reloads)."""

    kind: str
    capability: int
    adapter: int
    host: str
    sock: socket.socket


@dataclass(frozen=True)
class Listeners:
    """The listening sockets, bound before anything starts (``None``: no such adapter)."""

    rest: socket.socket | None
    mcp: socket.socket | None
    rest_host: str
    mcp_host: str
    others: tuple[AdapterListener, ...] = ()

    def sockets(self) -> list[socket.socket]:
        return [s for s in (self.rest, self.mcp, *(o.sock for o in self.others)) if s]


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


def bind_listeners(settings: Settings, capabilities: Sequence[Capability]) -> Listeners:
    """Bind every port the capabilities expose (REST, MCP http, skill...); a busy port fails
    here."""
    from iocgate.capability.model import ExposesControl, ExposesSkill
    from iocgate.gateway import listen

    rest_spec = next((c.rest for c in capabilities if c.rest), None)
    mcp_spec = next((c.mcp for c in capabilities if c.mcp and c.mcp.transport == "http"), None)
    declared = [
        (c_index, a_index, adapter)
        for c_index, capability in enumerate(capabilities)
        for a_index, adapter in enumerate(capability.document.capability.exposes)
        if isinstance(adapter, ExposesSkill | ExposesControl)
    ]
    if rest_spec is None and mcp_spec is None and not declared:
        raise InvalidArgumentError(
            "the capability exposes no REST, MCP (http), skill or control adapter to serve; "
            "for an stdio-only MCP adapter run `iocgate stdio`"
        )
    rest_host = _adapter_host(settings, rest_spec)
    mcp_host = _adapter_host(settings, mcp_spec)
    rest = mcp = None
    if rest_spec is not None:
        rest = listen(
            rest_host, settings.rest_port if settings.rest_port is not None else rest_spec.port
        )
    if mcp_spec is not None:
        mcp = listen(
            mcp_host, settings.mcp_port if settings.mcp_port is not None else mcp_spec.port
        )
    others: list[AdapterListener] = []
    for c_index, a_index, adapter in declared:
        host = _adapter_host(settings, adapter)
        sock = listen(host, adapter.port)
        others.append(AdapterListener(adapter.type, c_index, a_index, host, sock))
    return Listeners(rest, mcp, rest_host, mcp_host, tuple(others))


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _adapter_host(settings: Settings, adapter: Any) -> str:
    """Where an adapter listens: --host (or the config's host) wins, then the capability's
    ``address``, then loopback. An off-loopback address in a file still needs inbound
    authentication: iocgate's tokens, or the adapter's own declared ``authentication``."""
    declared = adapter.address if adapter is not None else None
    if settings.host != DEFAULT_HOST or not declared:
        return settings.host
    host = "127.0.0.1" if declared == "localhost" else declared
    if adapter.authentication is None:
        check_exposure(replace(settings, host=host))
    return host


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


def _host_patterns(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Host and Origin values every port accepts (DNS-rebinding protection, issue #16)."""
    from iocgate.exposes.hosts import LOOPBACK_HOSTS
    from iocgate.exposes.mcp import LOOPBACK_ORIGINS

    host = settings.host
    names: list[str] = []
    if host in ("0.0.0.0", "::"):  # noqa: S104 - naming, not binding
        names += [socket.gethostname(), socket.getfqdn(), *_own_addresses()]
    elif host != "localhost":
        names.append(f"[{host}]" if ":" in host else host)  # 127.0.0.3 and LAN addresses alike
    if settings.public_url:
        names.append(_url_host(settings.public_url))
    names += settings.allowed_hosts
    hosts = [*LOOPBACK_HOSTS]
    origins = [*LOOPBACK_ORIGINS]
    for name in dict.fromkeys(names):
        if f"{name}:*" not in hosts:
            # Without a port too: behind a proxy on 443 the Host header has none.
            hosts += [f"{name}:*", name]
            origins += [
                f"http://{name}:*",
                f"https://{name}:*",
                f"http://{name}",
                f"https://{name}",
            ]
    return tuple(hosts), tuple(origins)


def _own_addresses() -> list[str]:
    """This host's addresses by its name (what a LAN client types when listening on all)."""
    try:
        return socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return []


def _url_host(url: str) -> str:
    parts = urlsplit(url)
    name = parts.hostname or ""
    return f"[{name}]" if ":" in name else name


def _protect(
    app: Any,
    settings: Settings,
    demo: bool,
    declared: Sequence[Credential] = (),
    public: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
) -> Any:
    """Every port alike: the Host allow-list, and inbound authentication when there are
    credentials (iocgate's tokens, or what the capability declares on the adapter); ``public``
    holds the paths and path prefixes that need none (header and connection bounds are the
    server's: `gateway.bind_app`)."""
    from iocgate.exposes.hosts import HostAllowListMiddleware

    credentials: list[Credential] = list(declared)
    if settings.tokens:
        from iocgate.exposes.auth import BearerTokens

        credentials.insert(0, BearerTokens(settings.tokens))
    if credentials:
        from iocgate.exposes.auth import InboundAuthMiddleware

        headers = ((b"x-iocgate-demo", b"true"),) if demo else ()
        paths, prefixes = public
        app = InboundAuthMiddleware(
            app,
            credentials,
            exempt=("/healthz", *paths),
            exempt_prefixes=prefixes,
            extra_headers=headers,
        )
    hosts, _ = _host_patterns(settings)
    return HostAllowListMiddleware(app, hosts)


def _declared(gateway: Gateway, kind: str) -> list[Credential]:
    """The credentials the capabilities declare on their ``kind`` (rest, mcp) adapter."""
    from iocgate.exposes.credentials import declared_credentials

    found: list[Credential] = []
    for loaded in gateway.engine.capabilities:
        adapter = loaded.capability.rest if kind == "rest" else loaded.capability.mcp
        if adapter is not None:
            label = f"{kind} adapter of {loaded.capability.name}"
            found += declared_credentials(adapter.authentication, loaded.binds, label)
    return found


def _other_app(
    gateway: Gateway, settings: Settings, listener: AdapterListener, control: ControlOptions
) -> Any:
    """The app of a skill or control adapter, behind the same protections as every port."""
    from iocgate.capability.model import ExposesControl, ExposesSkill
    from iocgate.exposes.control import create_control_app
    from iocgate.exposes.skill import create_skill_app

    loaded = gateway.engine.capabilities[listener.capability]
    adapter = loaded.capability.document.capability.exposes[listener.adapter]
    if isinstance(adapter, ExposesSkill):
        app = create_skill_app(loaded.capability, adapter)
    else:
        assert isinstance(adapter, ExposesControl)
        app = create_control_app(loaded.capability, adapter, control)
    from iocgate.exposes.credentials import declared_credentials

    label = f"{listener.kind} adapter of {loaded.capability.name}"
    declared = declared_credentials(adapter.authentication, loaded.binds, label)
    return _protect(app, replace(settings, host=listener.host), gateway.demo is not None, declared)


def _rest_app(gateway: Gateway, settings: Settings, metrics: Metrics) -> Any:
    """The REST app with the plugins' routes (investigation, console) and /metrics."""
    from iocgate import __version__
    from iocgate.exposes.rest import RestOptions, create_rest_app
    from iocgate.gateway import rest_extras

    demo = gateway.demo is not None
    extras = rest_extras(gateway)
    app = create_rest_app(
        gateway.engine,
        RestOptions(
            demo=demo,
            extra_routes=(metrics.route(),),
            plugin_routes=extras.routes,
            title=gateway.capabilities[0].label,
            public_url=settings.public_url,
            trust_host=bool(settings.trusted_proxies),
            version=__version__,
        ),
    )
    public = (extras.public_paths, extras.public_prefixes)
    protected = _protect(app, settings, demo, _declared(gateway, "rest"), public)
    return protected


def _mcp_app(gateway: Gateway, settings: Settings, rest_url: str | None) -> Any:
    """The MCP app (streamable HTTP); importing the MCP stack costs ~0.7 s, so it comes last."""
    from iocgate.exposes.mcp import McpOptions, create_mcp_app, create_mcp_server
    from iocgate.gateway import mcp_extras, mcp_resources

    hosts, origins = _host_patterns(settings)
    options = McpOptions(
        demo=gateway.demo is not None,
        budget_tokens=settings.context_budget_tokens,
        rest_base_url=settings.public_url or rest_url,
        allowed_hosts=hosts,
        allowed_origins=origins,
    )
    options = replace(
        options,
        extra_tools=tuple(mcp_extras(gateway, options.budget_bytes)),
        plugin_resources=tuple(mcp_resources(gateway)),
    )
    app = create_mcp_app(create_mcp_server(gateway.engine, options), options)
    return _protect(app, settings, gateway.demo is not None, _declared(gateway, "mcp"))


def _control_options(
    gateway: Gateway, listeners: Listeners, apps: list[Any], metrics: Metrics
) -> ControlOptions:
    """What a control port reports: every adapter served here and whether it started."""
    from iocgate import __version__
    from iocgate.exposes.control import ControlOptions

    first = gateway.capabilities[0]
    declared: list[tuple[str, str, socket.socket | None]] = [
        ("rest", first.rest.namespace if first.rest else "", listeners.rest),
        ("mcp", first.mcp.namespace if first.mcp else "", listeners.mcp),
    ]
    for other in listeners.others:
        adapter = gateway.capabilities[other.capability].document.capability.exposes[other.adapter]
        declared.append((other.kind, adapter.namespace, other.sock))

    def adapters() -> list[dict[str, Any]]:
        states = {served.sock: served for served in apps}
        found: list[dict[str, Any]] = []
        for kind, namespace, sock in declared:
            if sock is None:
                continue
            served = states.get(sock)
            started = bool(served and served.server and served.server.started)
            entry = {"type": kind, "namespace": namespace, "port": sock.getsockname()[1]}
            found.append({k: v for k, v in entry.items() if v != ""} | {
                "state": "started" if started else "stopped"
            })  # fmt: skip
        return found

    return ControlOptions(adapters=adapters, metrics=metrics.route(), version=__version__)


async def _serve(settings: Settings, role: WorkerRole | None = None) -> None:
    from iocgate.exposes.metrics import Metrics
    from iocgate.gateway import bind_app, open_gateway, print_demo_banner, rest_extras

    # Under a supervisor every worker's samples meet in one directory, summed at /metrics.
    metrics = Metrics() if role is None else Metrics(shared_dir=role.metrics_dir, worker=role.index)
    async with open_gateway(settings, observer=metrics, shared_quota=role is not None) as gateway:
        output.SECRETS[:] = gateway.engine.secrets
        metrics.watch_front(gateway.engine.cache)
        # Both ports are bound before anything starts: a busy port fails at once, and MCP
        # clients wait in the listen backlog while REST already answers.
        listeners = role.listeners if role else bind_listeners(settings, gateway.capabilities)
        rest_sock, mcp_sock = listeners.rest, listeners.mcp
        rest_host, mcp_host = listeners.rest_host, listeners.mcp_host
        drain = settings.drain_seconds
        announce = role is None or role.index == 0  # one banner for all workers
        apps: list[Any] = []
        urls: list[str] = []
        rest_url = None
        if rest_sock is not None:
            rest_url = f"http://{_shown_host(rest_host)}:{rest_sock.getsockname()[1]}"
            urls.append(f"REST     {rest_url}/v1/...   docs {rest_url}/docs")
            if any(route.path == "/" for route in rest_extras(gateway).routes):
                urls.append(f"console  {rest_url}/")  # a plugin serves a page there
        if mcp_sock is not None:
            urls.append(f"MCP      http://{_shown_host(mcp_host)}:{mcp_sock.getsockname()[1]}/mcp")
        for other in listeners.others:
            url = f"http://{_shown_host(other.host)}:{other.sock.getsockname()[1]}"
            urls.append(f"{other.kind:<8} {url}" + ("/skills" if other.kind == "skill" else ""))
        # Said as soon as the ports are bound, before any access line (#17): a log read from a
        # file or a journal must start by saying what answers there.
        if announce and gateway.demo is not None:
            print_demo_banner(gateway, urls)
        elif announce:
            stderr("iocgate serving:\n" + "\n".join(f"  {u}" for u in urls))
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
                    start("rest", _rest_app(gateway, settings, metrics), rest_host, rest_sock)
                control = _control_options(gateway, listeners, apps, metrics)
                for other in listeners.others:
                    app = _other_app(gateway, settings, other, control)
                    start(other.kind, app, other.host, other.sock)
                if mcp_sock is not None and not stopped.is_set():
                    # REST answers while the MCP stack is imported in a worker thread (the
                    # import would otherwise hold the event loop for ~0.7 s).
                    await anyio.to_thread.run_sync(_import_mcp_stack)
                if mcp_sock is not None and not stopped.is_set():  # no SIGTERM meanwhile
                    app = _mcp_app(gateway, replace(settings, host=mcp_host), rest_url)
                    start("mcp", app, mcp_host, mcp_sock)
                elif mcp_sock is not None and role is None:
                    mcp_sock.close()  # stopped before MCP was up: nothing will serve it
                settle_heap()
            group.cancel_scope.cancel()
            metrics.stop_watching_gc()
        stderr("iocgate stopped" if role is None else f"worker {role.index} stopped")


#: Container allocations (net of deallocations) between generation-0 collections.
GC_THRESHOLD = 20_000


def _import_mcp_stack() -> None:
    """The MCP adapter, and jsonschema, which its first tools/call would import otherwise.

    That import (format checkers: rfc3987-syntax builds a lark grammar, ~125k objects) held
    the event loop for up to seconds on the first call, and, made after `settle_heap`, left
    every later full collection walking those objects (~100 ms pauses under MCP load).
    """
    importlib.import_module("iocgate.exposes.mcp")
    importlib.import_module("jsonschema")


def settle_heap() -> None:
    """Keep what start-up built out of every later garbage collection.

    Imports, models and apps leave ~120k tracked objects. A full (generation 2) collection
    walks them all and held the event loop for 100-500 ms under load: the p99 of 8-10x the
    median in bench/FINDINGS.md. Frozen, they are never walked again; collections then only
    see what requests allocate. A larger first threshold (700 by default) lets a request's
    short-lived trees (a parsed 100 KB answer) die by reference counting before a collection
    promotes them: far fewer generation-1 and -2 collections under load.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 10)


def _run(settings: Settings, role: WorkerRole | None = None) -> int:
    # uvicorn picks uvloop only in Server.run(); served from anyio.run it must be asked for.
    uvloop = importlib.util.find_spec("uvloop") is not None
    anyio.run(_serve, settings, role, backend_options={"use_uvloop": uvloop})
    return 0


def _serve_workers(settings: Settings, count: int) -> int:
    """Bind the ports here, then fork ``count`` workers that serve them (cli/workers.py)."""
    from iocgate.cli.workers import Supervisor
    from iocgate.gateway import load_capabilities

    capabilities = load_capabilities(settings)
    listeners = bind_listeners(settings, capabilities)
    if listeners.mcp is not None:
        # Imported once here, the MCP stack's pages are shared by every worker (fork is
        # copy-on-write, and frozen objects are never written by a collection).
        _import_mcp_stack()
    settle_heap()
    metrics_dir = tempfile.mkdtemp(prefix="iocgate-metrics-")
    parent = os.getpid()

    @handle_errors
    def work(index: int) -> int:
        return _run(settings, WorkerRole(index, listeners, parent, metrics_dir))

    def forget(pid: int) -> None:
        from iocgate.exposes.metrics import Metrics

        Metrics.forget_process(metrics_dir, pid)

    try:
        return Supervisor(count, work, on_exit=forget).run()
    finally:
        for sock in listeners.sockets():
            sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)


@click.command("serve")
@click.argument(
    "capabilities",
    nargs=-1,
    type=click.Path(path_type=Path, exists=True),
    metavar="[CAPABILITY]...",
)
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option(
    "--rest-port",
    type=click.IntRange(0, 65535),
    help="REST port (default: the capability's, 8080).",
)
@click.option(
    "--mcp-port", type=click.IntRange(0, 65535), help="MCP port (default: the capability's, 9090)."
)
@gateway_options
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), help="Log lines as text or JSON."
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
@click.option(
    "--allow-open", is_flag=True, default=None, help="Listen off loopback without tokens."
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The URL clients reach the REST port at, e.g. https://iocgate.example; links in "
    "answers start with it and its host is accepted in Host (default: the bind address; env "
    "IOCGATE_PUBLIC_URL).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also accept this name in the Host header (repeatable; loopback names and the "
    "--public-url host always are). Other names get 421.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-For/-Proto and Host are believed (repeatable; "
    "default: none, so links never follow what a client sends).",
)
@click.option(
    "--workers",
    default="1",
    show_default=True,
    envvar="IOCGATE_WORKERS",
    metavar="N|auto",
    help="Processes serving the same ports (auto: one per core); they share the cache file, "
    "the artefact store and one quota budget (env IOCGATE_WORKERS).",
)
@handle_errors
def serve(capabilities: tuple[Path, ...], workers: str, **flags: Any) -> None:
    """Serve CAPABILITY files (default: the embedded VirusTotal file-behaviours capability).

    Starts every adapter the capability exposes: the REST API (port 8080: /v1/..., /docs,
    /openapi.json, /healthz, /readyz) and the MCP server (streamable HTTP at
    http://127.0.0.1:9090/mcp). Without VIRUSTOTAL_API_KEY, capabilities that bind it (the
    embedded one does) run in demo mode against the built-in VirusTotal simulator, which
    stderr and an X-Iocgate-Demo header say; other capabilities call their own upstream.
    SIGTERM drains in-flight requests (30 s at most), then exits 0. --workers N forks N
    processes on the same ports (docs/operations.md).

    \b
    Examples:
      iocgate serve                                   # demo mode without a key
      VIRUSTOTAL_API_KEY=... iocgate serve --quota public
      iocgate serve --upstream http://127.0.0.1:8090/api/v3
      IOCGATE_TOKENS=s3cret iocgate serve --host 0.0.0.0
      iocgate serve --workers auto                    # one process per core
    """
    from iocgate.cli.workers import parse_workers

    count = parse_workers(workers)
    settings = settings_from(capabilities, **flags)
    setup_logging(settings.log_level, settings.log_format)
    check_exposure(settings)
    if count == 1:
        _run(settings)
        return
    status = _serve_workers(settings, count)
    if status:
        raise SystemExit(status)
