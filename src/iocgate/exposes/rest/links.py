"""Absolute links to the upstream, rewritten to the gateway's own routes.

Clients that page by fetching ``links.next`` verbatim (vt-go, vt-cli) would otherwise leave the
gateway and need the upstream key. Only values under keys named ``links`` are looked at: at the
top level, in ``data`` (an object or a list of them) and in each ``relationships.*`` entry; no
other string is ever touched (indicator values pass through verbatim).

A link is rewritten when it starts with an operation's declared ``baseUri`` or the ``--upstream``
override, its path matches one of the consumed operations' templates, and a REST route calls
that operation with every path parameter mapped. The route's path is then built from the same
values, each percent-encoded once (an upstream may write a space raw, as in a sandbox id); the query
string is kept as is. Anything else is left alone. Objects are copied on write, never changed in
place, so a body shared with a cache stays intact.

Parsing and re-serialising a large body costs milliseconds, far more than serving it: a body
that names no upstream base goes out as the upstream's own bytes, and a rewritten one is kept
(bounded, by the sha256 of the upstream bytes and the gateway's origin) so a cache hit served
again costs a digest, not a parse.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from iocgate.capability import Operation, RestRoute
from iocgate.engine import LoadedCapability, Result
from iocgate.exposes.rest.paths import PathTemplate, split_raw_path
from iocgate.exposes.rest.responses import json_body

__all__ = ["LinkRewriter"]


@dataclass(frozen=True, slots=True)
class _Target:
    """An operation path under one upstream base, and the REST route that serves it."""

    operation_path: PathTemplate
    route_path: PathTemplate
    inbound_names: dict[str, str]  # consumed path parameter -> the route's inbound name


def _route_for(operation: Operation, routes: Iterable[RestRoute]) -> _Target | None:
    """The first route calling ``operation`` whose path parameters all come from the upstream's."""
    operation_path = PathTemplate.parse(operation.path)
    consumed = set(operation_path.names)
    for route in routes:
        if route.operation.qualified_name != operation.qualified_name:
            continue
        inbound = {
            target: reference.name
            for target, reference in route.references.items()
            if reference.name is not None and target in consumed
        }
        route_path = PathTemplate.parse(route.path)
        if set(route_path.names) <= set(inbound.values()):
            return _Target(operation_path, route_path, inbound)
    return None


class LinkRewriter:
    """Rewrites upstream links in JSON bodies to the gateway's routes (see the module doc)."""

    def __init__(self, capabilities: Iterable[LoadedCapability]) -> None:
        by_base: dict[str, list[_Target]] = {}
        for loaded in capabilities:
            rest = loaded.capability.rest
            routes = rest.routes if rest else ()
            for operation in loaded.capability.operations.values():
                target = _route_for(operation, routes)
                if target is None:
                    continue
                for base in {operation.base_uri.rstrip("/"), loaded.upstream_base(operation)}:
                    by_base.setdefault(base, []).append(target)
        # Longest base first, so that an override nested in the declared base is tried first.
        self._bases = tuple(
            (base, tuple(sorted(targets, key=lambda t: t.operation_path.specificity)))
            for base, targets in sorted(by_base.items(), key=lambda item: -len(item[0]))
        )

        # A body that names no base (as JSON may write it, `/` escaped or not) has no link to
        # rewrite: its bytes go out exactly as the upstream sent them, never parsed.
        needles = {
            form.encode() for base, _ in self._bases for form in (base, base.replace("/", "\\/"))
        }
        self._needles = tuple(sorted(needles, key=len, reverse=True))  # longer needles scan faster

        self._recent = _RecentBodies()
        self._plain: set[tuple[str, float]] = set()  # stored versions that name no base

    def rewrite_body(self, result: Result, gateway_base: Callable[[], str]) -> bytes:
        """The JSON body of ``result`` to send, its upstream links pointing at the gateway."""
        raw = result.json_body
        if raw is None:  # mapped by output parameters: serialised here anyway
            return json_body(self.rewrite(result.data, gateway_base()))
        version = result.version
        if version is not None and version in self._plain:
            return raw  # this stored answer was scanned before: it names no upstream base
        if not any(needle in raw for needle in self._needles):
            if version is not None:
                if len(self._plain) >= 4096:
                    self._plain.clear()
                self._plain.add(version)
            return raw
        base = gateway_base()
        key = self._recent.key(raw, base)
        known = self._recent.get(key)
        if known is not None:
            return known or raw  # b"": nothing needed rewriting
        data = result.data
        rewritten = self.rewrite(data, base)
        if rewritten is data:
            self._recent.put(key, b"")
            return raw
        body = json_body(rewritten)
        self._recent.put(key, body)
        return body

    def rewrite_url(self, url: str, gateway_base: str) -> str | None:
        """``url`` on the gateway (``gateway_base`` has no trailing slash), or None."""
        for base, targets in self._bases:
            if not url.startswith(base):
                continue
            rest = url[len(base) :]
            if rest and rest[0] not in "/?#":
                continue
            path, mark, tail = _split_tail(rest)
            segments = [unquote(segment) for segment in split_raw_path(path)]
            for target in targets:
                values = target.operation_path.match(segments)
                if values is None:
                    continue
                names = target.inbound_names
                inbound = {names[name]: value for name, value in values.items() if name in names}
                return gateway_base + target.route_path.build(inbound) + mark + tail
        return None

    def rewrite(self, body: Any, gateway_base: str) -> Any:
        """``body`` with its upstream links rewritten; the same object when nothing changed."""
        if not self._bases or not isinstance(body, dict):
            return body
        base = gateway_base.rstrip("/")

        def rewrite_url(url: str) -> str | None:
            return self.rewrite_url(url, base)

        result = _rewrite_object(body, rewrite_url)
        data = body.get("data")
        new_data: Any = None
        if isinstance(data, dict):
            new_data = _rewrite_object(data, rewrite_url)
        elif isinstance(data, list):
            for index, item in enumerate(data):
                new_item = _rewrite_object(item, rewrite_url) if isinstance(item, dict) else None
                if new_item is not None:
                    if new_data is None:
                        new_data = list(data)
                    new_data[index] = new_item
        if new_data is not None:
            result = dict(result if result is not None else body)
            result["data"] = new_data
        return body if result is None else result


def _split_tail(rest: str) -> tuple[str, str, str]:
    """Split ``/path?query#fragment`` into path, the separator found and what follows it."""
    for mark in ("?", "#"):
        if mark in rest:
            path, tail = rest.split(mark, 1)
            return path, mark, tail
    return rest, "", ""


UrlRewrite = Callable[[str], "str | None"]


def _rewrite_links(links: Any, rewrite_url: UrlRewrite) -> dict[str, Any] | None:
    if not isinstance(links, dict):
        return None
    changed: dict[str, Any] | None = None
    for key, value in links.items():
        if isinstance(value, str):
            new = rewrite_url(value)
            if new is not None and new != value:
                if changed is None:
                    changed = dict(links)
                changed[key] = new
    return changed


def _rewrite_object(node: dict[str, Any], rewrite_url: UrlRewrite) -> dict[str, Any] | None:
    """A copy of ``node`` with ``links`` and ``relationships.*.links`` rewritten, or None."""
    links = _rewrite_links(node.get("links"), rewrite_url)
    relationships = node.get("relationships")
    new_relationships: dict[str, Any] | None = None
    if isinstance(relationships, dict):
        for name, relationship in relationships.items():
            if not isinstance(relationship, dict):
                continue
            rewritten = _rewrite_links(relationship.get("links"), rewrite_url)
            if rewritten is not None:
                if new_relationships is None:
                    new_relationships = dict(relationships)
                new_relationships[name] = {**relationship, "links": rewritten}
    if links is None and new_relationships is None:
        return None
    copy = dict(node)
    if links is not None:
        copy["links"] = links
    if new_relationships is not None:
        copy["relationships"] = new_relationships
    return copy


class _RecentBodies:
    """Rewritten bodies by (sha256 of the upstream bytes, gateway origin), least recent dropped."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_body: int = 4 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._bodies: OrderedDict[bytes, bytes] = OrderedDict()
        self._size = 0

    def key(self, raw: bytes, gateway_base: str) -> bytes:
        return hashlib.sha256(raw).digest() + gateway_base.encode()

    def get(self, key: bytes) -> bytes | None:
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: bytes, body: bytes) -> None:
        if len(body) > self.max_body or key in self._bodies:
            return
        self._bodies[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, dropped = self._bodies.popitem(last=False)
            self._size -= len(dropped)
