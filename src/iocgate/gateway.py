"""The composition root: capability files + settings + plugins -> an engine and its adapters.

Only `iocgate.cli` imports this module; it is the one place that knows every layer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import anyio
import uvicorn

from iocgate.capability import Capability, find_conflicts, load_capability, resolve_binds
from iocgate.engine import (
    CachePolicy,
    Engine,
    LoadedCapability,
    Observer,
    Plugin,
    PluginContext,
    PluginResource,
    PluginRoute,
    Plugins,
    PluginTool,
    RetryPolicy,
    UpstreamClient,
    UpstreamSettings,
    WritePolicy,
)
from iocgate.engine.extensions import routes_public
from iocgate.errors import BindError, CapabilityError
from iocgate.exposes.limits import bounded_protocol
from iocgate.settings import API_KEY_VARIABLE, Settings
from iocgate.sockets import listening_socket
from iocgate.virustotal import DEFAULT_CAPABILITIES, DEFAULT_PLUGINS

__all__ = [
    "DemoUpstream",
    "Gateway",
    "bind_app",
    "capability_paths",
    "listen",
    "load_capabilities",
    "mcp_extras",
    "mcp_resources",
    "open_gateway",
    "quota_presets",
    "quota_spec",
    "serve_apps",
    "stop_apps",
]

log = logging.getLogger("iocgate")


@dataclass(frozen=True)
class DemoUpstream:
    """The in-process simulator that stands in for VirusTotal in demo mode."""

    url: str
    key: str
    samples: tuple[tuple[str, str], ...]  # (kind, sha256) to try
    state: Any = None


@dataclass
class Gateway:
    """A running engine over loaded capabilities, with what the adapters need to know."""

    settings: Settings
    engine: Engine
    loaded: tuple[LoadedCapability, ...]
    demo: DemoUpstream | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def capabilities(self) -> tuple[Capability, ...]:
        return tuple(item.capability for item in self.loaded)


def capability_paths(settings: Settings) -> list[Path]:
    """The capability files to load: the given files and folders, else the embedded defaults."""
    if not settings.capabilities:
        return list(DEFAULT_CAPABILITIES)
    paths: list[Path] = []
    for path in settings.capabilities:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise CapabilityError("the folder holds no .yaml or .yml files", file=str(path))
            paths.extend(found)
        else:
            paths.append(path)
    return paths


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its owner (several share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` for an adapter; a busy port is a clear error."""
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        raise CapabilityError(
            f"cannot listen on {host}:{port}: {exc.strerror}; choose another port "
            "(--rest-port / --mcp-port) or stop what uses it"
        ) from None
    sock.setblocking(False)
    return sock


@dataclass
class ServedApp:
    """An ASGI app bound to a socket, ready to run."""

    name: str
    app: Any
    sock: socket.socket
    server: _EmbeddedServer | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])


def bind_app(
    name: str,
    app: Any,
    host: str,
    port: int,
    *,
    drain_seconds: float = 30.0,
    lifespan: Literal["auto", "on", "off"] = "on",
    sock: socket.socket | None = None,
    trusted_proxies: Sequence[str] = (),
    header_timeout: float = 10.0,
    client_connections: int = 256,
) -> ServedApp:
    """Bind ``app`` to ``host:port`` now (so a busy port fails before anything starts), or serve
    it on ``sock``, a socket `listen` bound earlier."""
    served = ServedApp(name, app, sock if sock is not None else listen(host, port))
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=int(drain_seconds),
        lifespan=lifespan,
        server_header=False,
        # No adapter serves WebSocket routes: without a protocol for them uvicorn never
        # imports `websockets` (2.5 MB of RSS, bench/FINDINGS.md round 4).
        ws="none",
        # Bounds against slow or greedy clients: header size, header-read time and open
        # connections per client are held in the parser (exposes/limits.py); idle keep-alive
        # connections close after 5 s, and past 1,000 concurrent connections new ones get 503.
        http=bounded_protocol(
            header_timeout=header_timeout,
            max_per_client=client_connections,
            exempt=trusted_proxies,
        ),
        timeout_keep_alive=5,
        limit_concurrency=1000,
        # X-Forwarded-* only from a configured proxy: uvicorn's default trusts any local
        # peer, so a loopback client could set the scheme of every link (issue #16).
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies) or None,
    )
    served.server = _EmbeddedServer(config)
    return served


async def serve_apps(apps: Sequence[ServedApp], *, started: anyio.Event | None = None) -> None:
    """Run every app until one of them stops or `stop_apps` is called."""
    async with anyio.create_task_group() as group:
        for served in apps:
            assert served.server is not None
            group.start_soon(served.server.serve, [served.sock])
        if started is not None:
            while not all(s.server is not None and s.server.started for s in apps):
                if any(s.server is not None and s.server.should_exit for s in apps):
                    break
                await anyio.sleep(0.01)
            started.set()


def stop_apps(apps: Sequence[ServedApp], *, force: bool = False) -> None:
    for served in apps:
        if served.server is not None:
            served.server.should_exit = True
            served.server.force_exit = served.server.force_exit or force


@contextlib.asynccontextmanager
async def _demo_upstream() -> AsyncIterator[DemoUpstream]:
    from iocgate.sim import DEMO_PRIVILEGED_KEY, SimSettings, create_app

    app = create_app(SimSettings())
    served = bind_app("simulator", app, "127.0.0.1", 0, drain_seconds=1, lifespan="off")
    state = app.state.sim
    samples = tuple(
        (kind, state.corpus.pick(kind).sha256)
        for kind in ("rich", "poor", "huge", "hostile", "none")
    )
    url = f"http://127.0.0.1:{served.port}/api/v3"
    async with anyio.create_task_group() as group:
        started = anyio.Event()
        group.start_soon(lambda: serve_apps([served], started=started))
        await started.wait()
        try:
            yield DemoUpstream(url=url, key=DEMO_PRIVILEGED_KEY, samples=samples, state=state)
        finally:
            stop_apps([served])


def _make_cache(settings: Settings) -> Any:
    """The engine's cache (`iocgate.engine.Cache`) for ``--cache``.

    Demo mode keeps answers in memory unless Redis is configured: the simulator listens on a
    new port each run, so its answers could never be found again and would only pile up in
    the state directory.
    """
    from iocgate.engine.stores import MemoryCache, NullCache, is_redis, open_cache

    if settings.is_demo and not is_redis(settings.cache):
        return NullCache() if settings.cache == "off" else MemoryCache()
    return open_cache(
        settings.cache, settings.state_dir, artefact_max_bytes=settings.artefact_cache_max_bytes
    )


def quota_presets(plugins: Sequence[Plugin] = DEFAULT_PLUGINS) -> dict[str, str]:
    """The named budgets ``--quota`` accepts: the ones ``plugins`` define."""
    return Plugins(plugins).quota_presets()


def quota_spec(settings: Settings, presets: Mapping[str, str]) -> str:
    """``--quota``, else the default (`Settings.quota_spec`) when a plugin defines it; a default
    no served plugin defines (an upstream nobody described) is no known allowance: unlimited."""
    spec = settings.quota_spec
    if settings.quota is None and spec not in presets:
        return "unlimited"
    return spec


def _make_quota(
    settings: Settings,
    presets: Mapping[str, str],
    *,
    shared: bool = False,
    clients: bool = False,
) -> Any:
    """The engine's quota (`iocgate.engine.Quota`) for ``--quota``, in the cache's store.

    ``presets``: the named budgets of the served capabilities' plugins. ``shared``: other
    processes serve the same key (``serve --workers``), so counters that would live in this
    process only (``--cache memory``) go to the state directory's file. ``clients``: a
    capability declares inbound authentication, so callers have ids to budget.
    """
    from iocgate.engine.quota import BudgetQuota, PerClientQuota, half_budget, parse_budget
    from iocgate.engine.stores import open_quota

    backend = "sqlite" if shared and settings.cache == "memory" else settings.cache
    quota = open_quota(
        quota_spec(settings, presets),
        backend,
        settings.state_dir,
        max_wait=settings.quota_wait,
        presets=presets,
    )
    if not (settings.tokens or clients) or not isinstance(quota, BudgetQuota):
        return quota  # without tokens there are no clients to tell apart; unlimited: no limit
    client_budget = (
        parse_budget(settings.client_quota, presets=presets)
        if settings.client_quota
        else half_budget(quota.budget)
    )
    return PerClientQuota(quota, client_budget, quota.store, max_wait=settings.quota_wait)


def _declares_inbound_auth(capability: Capability) -> bool:
    return any(a.authentication for a in capability.document.capability.exposes)


def load_capabilities(settings: Settings) -> list[Capability]:
    """The capabilities to serve, checked against each other (a conflict is an error)."""
    capabilities = [load_capability(path) for path in capability_paths(settings)]
    for capability in capabilities:
        if capability.unsupported:  # valid spec that is not run yet: refuse, never drop it
            first, more = capability.unsupported[0], len(capability.unsupported) - 1
            raise CapabilityError(
                first.detail
                + (f" (and {more} more; `iocgate validate` lists them)" if more else ""),
                file=first.file,
                line=first.line,
                field=first.field,
            )
    conflicts = find_conflicts(capabilities)
    if conflicts:
        raise conflicts[0]
    return capabilities


@contextlib.asynccontextmanager
async def open_gateway(
    settings: Settings,
    plugins: Sequence[Plugin] = DEFAULT_PLUGINS,
    *,
    observer: Observer | None = None,
    shared_quota: bool = False,
) -> AsyncIterator[Gateway]:
    """Load the capabilities, start the demo simulator if needed, and open the engine.

    ``shared_quota``: this process is one of several serving the key (see `_make_quota`).
    """
    capabilities = load_capabilities(settings)
    if settings.is_demo and not any(binds_api_key(c) for c in capabilities):
        settings = replace(settings, demo=False)  # no capability here for the simulator to serve
    async with contextlib.AsyncExitStack() as stack:
        demo: DemoUpstream | None = None
        demo_environ = dict(settings.environ)
        if settings.is_demo:
            demo = await stack.enter_async_context(_demo_upstream())
            demo_environ[API_KEY_VARIABLE] = demo.key
        registry = Plugins(plugins)
        loaded = []
        for capability in capabilities:
            # Demo mode stands in for VirusTotal only; other capabilities keep their upstream.
            simulated = demo is not None and binds_api_key(capability)
            try:
                binds = resolve_binds(
                    capability.binds,
                    capability_file=capability.name,
                    base=capability.path.parent if capability.path else None,
                    environ=demo_environ if simulated else settings.environ,
                )
            except BindError as exc:
                raise _with_sim_hint(exc, settings) from None
            loaded.append(
                LoadedCapability(
                    capability=capability,
                    binds=binds,
                    plugins=registry.for_capability(capability),
                    base_uri=demo.url if simulated and demo is not None else settings.upstream,
                )
            )
        served = Plugins([p for item in loaded for p in item.plugins.plugins])
        engine = Engine(
            loaded,
            upstream=UpstreamClient(
                UpstreamSettings(
                    user_agent=served.user_agent(UpstreamSettings().user_agent),
                    connect_timeout=settings.connect_timeout,
                    read_timeout=settings.read_timeout,
                    attempt_timeout=settings.attempt_timeout,
                    min_transfer_rate=float(settings.min_transfer_rate),
                )
            ),
            cache=_make_cache(settings),
            cache_policy=CachePolicy(
                success_ttl=settings.cache_ttl,
                not_found_ttl=settings.not_found_ttl,
                per_operation=settings.operation_ttls,
            ),
            quota=_make_quota(
                settings,
                served.quota_presets(),
                shared=shared_quota,
                clients=any(_declares_inbound_auth(c) for c in capabilities),
            ),
            retry=RetryPolicy(attempts=settings.retry_attempts, timeout=settings.retry_timeout),
            observer=observer,
            writes=WritePolicy(
                allow_writes=settings.allow_writes,
                allow_destructive=settings.allow_destructive,
                allowed=frozenset(settings.writes_allowed),
                allowed_destructive=frozenset(settings.destructive_allowed),
            ),
        )
        stack.push_async_callback(engine.aclose)
        yield Gateway(settings=settings, engine=engine, loaded=tuple(loaded), demo=demo)


def _with_sim_hint(error: BindError, settings: Settings) -> BindError:
    """A missing VirusTotal key with ``--upstream``: most likely a local `iocgate sim`, whose
    demo keys are printed by ``iocgate sim --list``; say so."""
    if not settings.upstream or API_KEY_VARIABLE not in error.field:
        return error
    hint = (
        f"; against `iocgate sim` at {settings.upstream}, use one of its demo keys "
        f"(`iocgate sim --list` prints them): export {API_KEY_VARIABLE}=<privileged key>"
    )
    return BindError(error.detail + hint, file=error.file, line=error.line, field=error.field)


def binds_api_key(capability: Capability) -> bool:
    """Whether the capability reads ``VIRUSTOTAL_API_KEY`` from the environment: only such
    capabilities run against the simulator in demo mode (ARCHITECTURE: demo mode)."""
    return any(
        API_KEY_VARIABLE in binding.keys.values()
        for binding in capability.binds
        if not binding.location
    )


def served_plugins(gateway: Gateway) -> Plugins:
    """Every plugin that applies to a served capability, once each, in the order found."""
    found: list[Plugin] = []
    for loaded in gateway.loaded:
        found += [p for p in loaded.plugins.plugins if not any(p is f for f in found)]
    return Plugins(found)


def plugin_context(gateway: Gateway, budget_bytes: int = 40_000) -> PluginContext:
    """What the plugins build their routes and tools from."""
    return PluginContext(
        engine=gateway.engine,
        demo_samples=gateway.demo.samples if gateway.demo else None,
        auth_required=bool(gateway.settings.tokens),
        budget_bytes=budget_bytes,
    )


@dataclass(frozen=True)
class RestExtras:
    """The routes the plugins add to the REST port (investigation, console), and the paths
    among them that load without a credential (the console page and its static files)."""

    routes: tuple[PluginRoute, ...] = ()
    public_paths: tuple[str, ...] = ()
    public_prefixes: tuple[str, ...] = ()


def rest_extras(gateway: Gateway) -> RestExtras:
    """What the served capabilities' plugins add to the REST port (built once per gateway)."""
    extras = gateway.extra.get("rest")
    if not isinstance(extras, RestExtras):
        routes = tuple(served_plugins(gateway).rest_routes(plugin_context(gateway)))
        extras = gateway.extra["rest"] = RestExtras(routes, *routes_public(routes))
    return extras


def mcp_extras(gateway: Gateway, budget_bytes: int) -> list[PluginTool]:
    """The tools the served capabilities' plugins add beside the spec's."""
    return served_plugins(gateway).mcp_tools(plugin_context(gateway, budget_bytes))


def mcp_resources(gateway: Gateway) -> list[PluginResource]:
    """The resource templates the served capabilities' plugins add beside the spec's."""
    return served_plugins(gateway).mcp_resources(plugin_context(gateway))


def print_demo_banner(gateway: Gateway, urls: Sequence[str]) -> None:
    """The demo banner on stderr: says "demo" and lists hashes to try."""
    demo = gateway.demo
    if demo is None:
        return
    lines = [
        "iocgate DEMO mode: no VIRUSTOTAL_API_KEY set, answers come from the built-in "
        "VirusTotal simulator (not real data).",
        *(f"  {url}" for url in urls),
        "  hashes to try:",
        *(f"    {kind:<7} {sha256}" for kind, sha256 in demo.samples),
        "  all simulator hashes: iocgate sim --list",
    ]
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
