"""`iocgate serve`: every adapter the capabilities expose (REST :8080, MCP :9090/mcp)."""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import signal
import socket
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def _with_declared_tokens(settings: Settings, gateway: Gateway, adapter: Any) -> Settings:
    """The settings for one adapter: its capability's inbound bearer token joins --token's."""
    auth = getattr(adapter, "authentication", None)
    if adapter is None or auth is None or auth.type != "bearer":
        return settings
    from iocgate.capability import render_text

    owner = next(
        loaded
        for loaded in gateway.loaded
        if adapter in (loaded.capability.rest, loaded.capability.mcp)
    )
    token = render_text(auth.token or auth.value or "", owner.binds)
    if not token:
        raise InvalidArgumentError(
            f"the {adapter.namespace!r} adapter of {owner.capability.name} requires a bearer "
            "token but its template renders empty: set the variable its binds name"
        )
    return replace(settings, tokens=(*settings.tokens, token))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _adapter_host(settings: Settings, declared: str | None) -> str:
    """Where an adapter listens: --host (or the config's host) wins, then the capability's
    ``address``, then loopback. An off-loopback address in a file still needs tokens."""
    if settings.host != DEFAULT_HOST or not declared:
        return settings.host
    host = "127.0.0.1" if declared == "localhost" else declared
    check_exposure(replace(settings, host=host))
    return host


async def _watch_signals(apps: list[Any], stopped: anyio.Event) -> None:
    from iocgate.gateway import stop_apps

    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            if stopped.is_set():  # a second signal: stop now
                stop_apps(apps, force=True)
                return
            stderr(f"received {signal.Signals(received).name}: draining in-flight requests")
            stopped.set()
            stop_apps(apps)


def _host_patterns(host: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Host and Origin values the MCP endpoint accepts (DNS-rebinding protection)."""
    from iocgate.exposes.mcp import LOOPBACK_HOSTS, LOOPBACK_ORIGINS

    if _is_loopback(host) or host in ("0.0.0.0", "::"):  # noqa: S104 - naming, not binding
        extra_hosts: tuple[str, ...] = ()
        if host in ("0.0.0.0", "::"):  # noqa: S104
            extra_hosts = (f"{socket.gethostname()}:*", f"{socket.getfqdn()}:*")
        return LOOPBACK_HOSTS + extra_hosts, LOOPBACK_ORIGINS
    shown = f"[{host}]" if ":" in host else host
    return (*LOOPBACK_HOSTS, f"{shown}:*"), (*LOOPBACK_ORIGINS, f"http://{shown}:*")


def _protect(
    app: Any,
    settings: Settings,
    demo: bool,
    public_paths: tuple[str, ...] = (),
    public_prefixes: tuple[str, ...] = (),
) -> Any:
    """Request bounds, and inbound bearer authentication when tokens are configured."""
    from iocgate.exposes.limits import HeaderLimitMiddleware

    if not settings.tokens:
        return HeaderLimitMiddleware(app)
    from iocgate.exposes.auth import BearerAuthMiddleware

    headers = ((b"x-iocgate-demo", b"true"),) if demo else ()
    return HeaderLimitMiddleware(
        BearerAuthMiddleware(
            app,
            settings.tokens,
            exempt=("/healthz", *public_paths),
            exempt_prefixes=public_prefixes,
            extra_headers=headers,
        )
    )


def _rest_app(gateway: Gateway, settings: Settings, metrics: Metrics) -> tuple[Any, bool]:
    """The REST app with the VirusTotal extras and /metrics; and whether a console is mounted."""
    from iocgate import __version__
    from iocgate.exposes.rest import RestOptions, create_rest_app
    from iocgate.gateway import rest_extras

    demo = gateway.demo is not None
    extras = rest_extras(gateway)
    app = create_rest_app(
        gateway.engine,
        RestOptions(
            demo=demo,
            extra_routes=(metrics.route(), *extras.routes),
            extra_openapi_paths=extras.openapi_paths,
            title=gateway.capabilities[0].label,
            version=__version__,
        ),
    )
    protected = _protect(app, settings, demo, extras.public_paths, extras.public_prefixes)
    return protected, bool(extras.routes)


def _mcp_app(gateway: Gateway, settings: Settings, rest_url: str | None) -> Any:
    """The MCP app (streamable HTTP); importing the MCP stack costs ~0.7 s, so it comes last."""
    from iocgate.exposes.mcp import McpOptions, create_mcp_app, create_mcp_server
    from iocgate.gateway import mcp_extras

    hosts, origins = _host_patterns(settings.host)
    options = McpOptions(
        demo=gateway.demo is not None,
        budget_tokens=settings.context_budget_tokens,
        rest_base_url=rest_url,
        allowed_hosts=hosts,
        allowed_origins=origins,
    )
    options = replace(options, extra_tools=tuple(mcp_extras(gateway, options.budget_bytes)))
    app = create_mcp_app(create_mcp_server(gateway.engine, options), options)
    return _protect(app, settings, gateway.demo is not None)


async def _serve(settings: Settings) -> None:
    from iocgate.exposes.metrics import Metrics
    from iocgate.gateway import bind_app, listen, open_gateway, print_demo_banner

    metrics = Metrics()
    async with open_gateway(settings, observer=metrics) as gateway:
        output.SECRETS[:] = gateway.engine.secrets
        rest_spec = next((c.rest for c in gateway.capabilities if c.rest), None)
        mcp_spec = next(
            (c.mcp for c in gateway.capabilities if c.mcp and c.mcp.transport == "http"), None
        )
        if rest_spec is None and mcp_spec is None:
            raise InvalidArgumentError(
                "the capability exposes no REST or MCP (http) adapter to serve; "
                "for an stdio-only MCP adapter run `iocgate stdio`"
            )
        drain = settings.drain_seconds
        rest_settings = _with_declared_tokens(settings, gateway, rest_spec)
        mcp_settings = _with_declared_tokens(settings, gateway, mcp_spec)
        rest_host = _adapter_host(rest_settings, rest_spec.address if rest_spec else None)
        mcp_host = _adapter_host(mcp_settings, mcp_spec.address if mcp_spec else None)
        # Both ports are bound before anything starts: a busy port fails at once, and MCP
        # clients wait in the listen backlog while REST already answers.
        rest_sock = mcp_sock = None
        if rest_spec is not None:
            rest_sock = listen(
                rest_host, settings.rest_port if settings.rest_port is not None else rest_spec.port
            )
        if mcp_spec is not None:
            mcp_sock = listen(
                mcp_host, settings.mcp_port if settings.mcp_port is not None else mcp_spec.port
            )
        apps: list[Any] = []
        urls: list[str] = []
        rest_url = None
        stopped = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(_watch_signals, apps, stopped)
            async with anyio.create_task_group() as servers:
                if rest_sock is not None:
                    app, has_console = _rest_app(gateway, rest_settings, metrics)
                    served = bind_app(
                        "rest", app, rest_host, 0, drain_seconds=drain, sock=rest_sock
                    )
                    apps.append(served)
                    assert served.server is not None
                    servers.start_soon(served.server.serve, [served.sock])
                    rest_url = f"http://{_url_host(rest_host)}:{served.port}"
                    urls.append(f"REST     {rest_url}/v1/...   docs {rest_url}/docs")
                    if has_console:
                        urls.append(f"console  {rest_url}/")
                if mcp_sock is not None and not stopped.is_set():
                    # REST answers while the MCP stack is imported in a worker thread (the
                    # import would otherwise hold the event loop for ~0.7 s).
                    await anyio.to_thread.run_sync(importlib.import_module, "iocgate.exposes.mcp")
                if mcp_sock is not None and not stopped.is_set():  # no SIGTERM meanwhile
                    app = _mcp_app(gateway, replace(mcp_settings, host=mcp_host), rest_url)
                    served = bind_app("mcp", app, mcp_host, 0, drain_seconds=drain, sock=mcp_sock)
                    apps.append(served)
                    assert served.server is not None
                    servers.start_soon(served.server.serve, [served.sock])
                    urls.append(f"MCP      http://{_url_host(mcp_host)}:{served.port}/mcp")
                elif mcp_sock is not None:
                    mcp_sock.close()  # stopped before MCP was up: nothing will serve it
                if gateway.demo is not None:
                    print_demo_banner(gateway, urls)
                else:
                    stderr("iocgate serving:\n" + "\n".join(f"  {u}" for u in urls))
            group.cancel_scope.cancel()
        stderr("iocgate stopped")


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
@handle_errors
def serve(capabilities: tuple[Path, ...], **flags: Any) -> None:
    """Serve CAPABILITY files (default: the embedded VirusTotal file-behaviours capability).

    Starts every adapter the capability exposes: the REST API (port 8080: /v1/..., /docs,
    /openapi.json, /healthz, /readyz) and the MCP server (streamable HTTP at
    http://127.0.0.1:9090/mcp). Without VIRUSTOTAL_API_KEY it runs in demo mode against the
    built-in VirusTotal simulator and says so on stderr and in an X-Iocgate-Demo header.
    SIGTERM drains in-flight requests (30 s at most), then exits 0.

    \b
    Examples:
      iocgate serve                                   # demo mode without a key
      VIRUSTOTAL_API_KEY=... iocgate serve --quota public
      iocgate serve --upstream http://127.0.0.1:8090/api/v3
      IOCGATE_TOKENS=s3cret iocgate serve --host 0.0.0.0
    """
    settings = settings_from(capabilities, **flags)
    setup_logging(settings.log_level, settings.log_format)
    check_exposure(settings)
    # uvicorn picks uvloop only in Server.run(); served from anyio.run it must be asked for.
    uvloop = importlib.util.find_spec("uvloop") is not None
    anyio.run(_serve, settings, backend_options={"use_uvloop": uvloop})
