"""`RestOptions`: what the composition root tells the REST adapter beyond the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from starlette.routing import BaseRoute

from iocgate.engine import PluginRoute

__all__ = ["RestOptions"]


@dataclass(frozen=True)
class RestOptions:
    """How to build the REST app.

    ``demo`` adds ``X-Iocgate-Demo: true`` to every response. ``extra_routes`` (``/metrics``)
    and then ``plugin_routes`` (the investigation's ``/x/...``, the console at ``/``; rendered
    like the capability's routes, `plugin_routes.py`) are served after the capability's own
    routes and before the 404 fallback; ``extra_openapi_paths`` and the plugin routes' own
    descriptions are listed in ``/openapi.json``.
    ``ready`` adds details to ``/readyz``; a ``"ready": False`` among them makes it answer 503.
    JSON answers of at least ``gzip_minimum_size`` bytes are gzipped for clients that accept it.
    Links in answers start with ``public_url`` (default: the address a connection arrived on);
    ``trust_host`` lets the request's ``Host`` decide instead, for a gateway behind a trusted
    proxy (see `origin.py`).
    """

    demo: bool = False
    extra_routes: tuple[BaseRoute, ...] = ()
    extra_openapi_paths: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    plugin_routes: tuple[PluginRoute, ...] = ()
    ready: Callable[[], dict[str, Any]] | None = None
    gzip_minimum_size: int = 1024
    public_url: str | None = None
    trust_host: bool = False
    title: str = "iocgate"
    version: str = "0"
