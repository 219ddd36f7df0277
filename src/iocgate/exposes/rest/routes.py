"""The capability's REST routes: which `RestRoute` a request path and method select.

Routes are matched by specificity, not declaration order: at the first segment where two
templates differ, a literal beats a parameter, so ``/v1/file_behaviours/{sandbox_id}/evtx`` is
always the artefact and never the relationship named "evtx". The most specific template that
fits the path owns it; a method it does not declare is a 405, not a fall-through to a less
specific template. HEAD is served by the GET route (RFC 9110 §9.3.2: the same headers, no
body); the endpoint sends no body and closes a byte stream unread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from iocgate.capability import RestRoute
from iocgate.exposes.rest.paths import PathTemplate, decode_segments, split_raw_path

__all__ = ["CapabilityRoutes", "Resource", "RouteMatch", "RouteTable"]


@dataclass(frozen=True, slots=True)
class Resource:
    """One path template and the route declared for each of its methods."""

    path: PathTemplate
    methods: dict[str, RestRoute] = field(default_factory=dict)

    @property
    def allow(self) -> tuple[str, ...]:
        implied = ("HEAD",) if "GET" in self.methods else ()
        return tuple(sorted({*self.methods, *implied}))

    def route_for(self, method: str) -> RestRoute | None:
        """The route declared for ``method``; HEAD falls back to GET."""
        method = method.upper()
        route = self.methods.get(method)
        if route is None and method == "HEAD":
            route = self.methods.get("GET")
        return route


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A request path resolved to a resource; ``route`` is None when the method is not declared."""

    resource: Resource
    route: RestRoute | None
    path_values: dict[str, str]


class RouteTable:
    """Every REST route of the loaded capabilities, ordered most specific first."""

    def __init__(self, routes: Iterable[RestRoute]) -> None:
        resources: dict[str, Resource] = {}
        for route in routes:
            resource = resources.get(route.path)
            if resource is None:
                resource = resources[route.path] = Resource(PathTemplate.parse(route.path))
            # Two capabilities declaring the same path and method: the first loaded keeps it.
            resource.methods.setdefault(route.method.upper(), route)
        ordered = sorted(resources.values(), key=lambda r: r.path.specificity)
        self._by_length: dict[int, list[Resource]] = {}
        for resource in ordered:
            self._by_length.setdefault(len(resource.path.segments), []).append(resource)
        self.resources = tuple(ordered)
        self._by_name = {
            route.name: resource for resource in ordered for route in resource.methods.values()
        }

    def resolve(self, raw_path: str, method: str) -> RouteMatch | None:
        """The route for ``method`` on the still-encoded ``raw_path``, or None (no such path)."""
        raw_segments = split_raw_path(raw_path)
        candidates = self._by_length.get(len(raw_segments))
        if not candidates:
            return None
        segments = decode_segments(raw_segments)
        for resource in candidates:
            values = resource.path.match(segments)
            if values is not None:
                return RouteMatch(resource, resource.route_for(method), values)
        return None

    def resource_named(self, name: str) -> Resource | None:
        return self._by_name.get(name)


Endpoint = Callable[[Scope, Receive, Send, RouteMatch], Awaitable[None]]


def _raw_route_path(scope: Scope) -> str:
    """The request path as sent, without the application's root path."""
    raw: bytes | None = scope.get("raw_path")
    root_path: str = scope.get("root_path", "")
    if raw is None:  # servers that omit raw_path: the decoded path is all there is
        path: str = scope["path"]
        return path[len(root_path) :] if root_path and path.startswith(root_path) else path
    text = raw.decode("latin-1")
    if "?" in text:  # some servers leave the query string on raw_path
        text = text.split("?", 1)[0]
    if root_path and text.startswith(root_path):
        text = text[len(root_path) :]
    return text


class CapabilityRoutes(BaseRoute):
    """One Starlette route that serves every route of a `RouteTable` through ``endpoint``.

    It matches like Starlette's own `Route`: FULL when path and method fit, PARTIAL when only the
    path does (the router then tries later routes before settling on a 405).
    """

    def __init__(self, table: RouteTable, endpoint: Endpoint) -> None:
        self.table = table
        self.endpoint = endpoint

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        found = self.table.resolve(_raw_route_path(scope), scope["method"])
        if found is None:
            return Match.NONE, {}
        child: dict[str, Any] = {"path_params": found.path_values, "iocgate.route": found}
        return (Match.FULL if found.route is not None else Match.PARTIAL), child

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        resource = self.table.resource_named(name)
        if resource is None or set(path_params) != set(resource.path.names):
            raise NoMatchFound(name, path_params)
        return URLPath(resource.path.build({k: str(v) for k, v in path_params.items()}))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.endpoint(scope, receive, send, scope["iocgate.route"])
