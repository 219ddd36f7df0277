"""The app each port serves (REST, MCP, skill, control), behind every port's protections."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from iocgate.cli.serving.exposure import adapter_credentials, host_patterns, protect
from iocgate.settings import Settings

if TYPE_CHECKING:
    from iocgate.capability import McpAdapter
    from iocgate.cli.serving.listeners import AdapterListener, Listeners
    from iocgate.engine import LoadedCapability
    from iocgate.exposes.control import ControlOptions
    from iocgate.exposes.metrics import Metrics
    from iocgate.gateway import Gateway

__all__ = ["control_options", "mcp_app", "other_app", "rest_app"]


def other_app(
    gateway: Gateway, settings: Settings, listener: AdapterListener, control: ControlOptions
) -> Any:
    """The app of a skill or control adapter, behind the same protections as every port."""
    from iocgate.capability.model import ExposesControl, ExposesSkill
    from iocgate.exposes.control import create_control_app
    from iocgate.exposes.skill import create_skill_app

    loaded = gateway.engine.capabilities[listener.capability]
    if listener.kind == "mcp":  # a further MCP adapter of the capability, alone on its port
        extra = (loaded, loaded.capability.more_mcp[listener.adapter])
        return mcp_app(gateway, replace(settings, host=listener.host), None, extra)
    adapter = loaded.capability.document.capability.exposes[listener.adapter]
    if isinstance(adapter, ExposesSkill):
        app = create_skill_app(loaded.capability, adapter)
    else:
        assert isinstance(adapter, ExposesControl)
        app = create_control_app(loaded.capability, adapter, control)
    from iocgate.exposes.credentials import declared_credentials

    label = f"{listener.kind} adapter of {loaded.capability.name}"
    declared = declared_credentials(adapter.authentication, loaded.binds, label)
    return protect(app, replace(settings, host=listener.host), gateway.demo is not None, declared)


def rest_app(gateway: Gateway, settings: Settings, metrics: Metrics) -> Any:
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
    protected = protect(app, settings, demo, adapter_credentials(gateway, "rest"), public)
    return protected


def mcp_app(
    gateway: Gateway,
    settings: Settings,
    rest_url: str | None,
    extra: tuple[LoadedCapability, McpAdapter] | None = None,
) -> Any:
    """The MCP app (streamable HTTP); importing the MCP stack costs ~0.7 s, so it comes last.

    With ``extra``, the app of that further MCP adapter alone (its tools, resources, prompts
    and declared credentials)."""
    from iocgate.exposes.mcp import McpOptions, create_mcp_app, create_mcp_server
    from iocgate.gateway import mcp_extras, mcp_resources

    hosts, origins = host_patterns(settings)
    options = McpOptions(
        demo=gateway.demo is not None,
        budget_tokens=settings.context_budget_tokens,
        rest_base_url=settings.public_url or rest_url,
        allowed_hosts=hosts,
        allowed_origins=origins,
    )
    if extra is not None:
        from iocgate.exposes.credentials import declared_credentials

        loaded, adapter = extra
        app = create_mcp_app(create_mcp_server(gateway.engine, options, extra), options)
        label = f"mcp adapter {adapter.namespace} of {loaded.capability.name}"
        declared = declared_credentials(adapter.authentication, loaded.binds, label)
        return protect(app, settings, gateway.demo is not None, declared)
    options = replace(
        options,
        extra_tools=tuple(mcp_extras(gateway, options.budget_bytes)),
        plugin_resources=tuple(mcp_resources(gateway)),
    )
    app = create_mcp_app(create_mcp_server(gateway.engine, options), options)
    return protect(app, settings, gateway.demo is not None, adapter_credentials(gateway, "mcp"))


def control_options(
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
        capability = gateway.capabilities[other.capability]
        adapter: Any = (
            capability.more_mcp[other.adapter]
            if other.kind == "mcp"
            else capability.document.capability.exposes[other.adapter]
        )
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
