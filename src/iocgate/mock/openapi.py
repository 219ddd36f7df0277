"""Read OpenAPI files into mock services: operations, dispatchers and named example responses.

Follows how Microcks imports an OpenAPI file: fragments (parameter, request body and response
examples) are joined by example name; each response example gets the dispatch criteria that its
same-named parameter examples produce (`/part=value` for path parts, `?param=value` for query
parameters); `x-microcks-operation` overrides the dispatcher inferred from the parameters; a
response without content is served for the example names listed in its `x-microcks-refs`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from iocgate.mock.json_body import BodyRule, parse_body_rule

__all__ = [
    "Exchange",
    "MockOperation",
    "MockService",
    "MockSpecError",
    "load_services",
]

_VERBS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SCRIPT_LITERAL = re.compile(r"""\s*return\s+(['"])(?P<name>[^'"]*)\1\s*;?\s*""")
DISPATCHERS = (
    "URI_PARTS",
    "URI_PARAMS",
    "URI_ELEMENTS",
    "QUERY_HEADER",
    "JSON_BODY",
    "SCRIPT",
    "FALLBACK",
)


class MockSpecError(ValueError):
    """An OpenAPI file that cannot be mocked; the message names the file and the node."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One named example response and the dispatch criteria that select it."""

    name: str
    status: int
    media_type: str | None
    body: str | None
    headers: tuple[tuple[str, str], ...]
    criteria: str | None


@dataclass(frozen=True, slots=True)
class MockOperation:
    """One `METHOD /path` of a service and how a request picks one of its exchanges."""

    method: str
    path: str
    operation_id: str | None
    dispatcher: str | None
    rules: str
    fallback: str | None
    script_name: str | None
    script_problem: str | None
    required: tuple[tuple[str, str], ...]
    exchanges: tuple[Exchange, ...]
    pattern: re.Pattern[str] = field(compare=False)
    body_rule: BodyRule | None = None

    @property
    def literal_segments(self) -> int:
        """How many path segments are fixed text: the more, the more specific the match."""
        return sum(1 for part in self.path.split("/") if part and "{" not in part)


@dataclass(frozen=True, slots=True)
class MockService:
    """One OpenAPI file: served under `/rest/<title>/<version>`."""

    name: str
    version: str
    source: str
    operations: tuple[MockOperation, ...]


class _StringTimestampLoader(yaml.SafeLoader):
    """YAML without the timestamp rule: an example date stays the text it was written as."""


_StringTimestampLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_services(paths: Iterable[Path]) -> tuple[MockService, ...]:
    """Read every file; two files with the same title and version are an error."""
    services: list[MockService] = []
    seen: dict[tuple[str, str], str] = {}
    for path in paths:
        service = _read_service(path)
        key = (service.name, service.version)
        if key in seen:
            raise MockSpecError(
                f"{path}: service {service.name!r} version {service.version!r} is already "
                f"served from {seen[key]}; give each file its own info.title or info.version"
            )
        seen[key] = str(path)
        services.append(service)
    return tuple(services)


def _read_service(path: Path) -> MockService:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MockSpecError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        document = yaml.load(text, Loader=_StringTimestampLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise MockSpecError(f"{path}: not YAML or JSON ({error})") from None
    if isinstance(document, dict) and "swagger" in document:
        raise MockSpecError(
            f"{path}: Swagger {document['swagger']} is not supported; convert it to OpenAPI 3 "
            "(its named examples are what the mock serves)"
        )
    if not isinstance(document, dict) or "openapi" not in document:
        raise MockSpecError(f"{path}: not an OpenAPI document (no `openapi` key)")
    info = document.get("info")
    if not isinstance(info, dict) or not info.get("title") or info.get("version") is None:
        raise MockSpecError(f"{path}: info.title and info.version are required to name the mock")
    reader = _Reader(document, str(path))
    operations = tuple(reader.operations())
    return MockService(str(info["title"]), str(info["version"]), str(path), operations)


class _Reader:
    """Walks one document, following local `$ref`s."""

    def __init__(self, document: dict[str, Any], source: str) -> None:
        self._document = document
        self._source = source

    def resolve(self, node: Any, where: str) -> Any:
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise MockSpecError(
                    f"{self._source}: {where}: only local references (#/...) are supported, "
                    f"not {ref!r}"
                )
            if ref in seen:
                raise MockSpecError(f"{self._source}: {where}: circular reference {ref!r}")
            seen.add(ref)
            target: Any = self._document
            for token in ref[2:].split("/"):
                key = token.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or key not in target:
                    raise MockSpecError(f"{self._source}: {where}: {ref!r} points at nothing")
                target = target[key]
            node = target
        return node

    def operations(self) -> Iterable[MockOperation]:
        paths = self._document.get("paths") or {}
        for path, item_node in paths.items():
            item = self.resolve(item_node, f"paths.{path}")
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters") or []
            for verb in _VERBS:
                node = item.get(verb)
                if isinstance(node, dict):
                    yield self._operation(str(path), verb, node, shared)

    def _operation(
        self, path: str, verb: str, node: dict[str, Any], shared: list[Any]
    ) -> MockOperation:
        where = f"paths.{path}.{verb}"
        parameters = [
            self.resolve(p, f"{where}.parameters")
            for p in [*shared, *(node.get("parameters") or [])]
        ]
        parameters = [p for p in parameters if isinstance(p, dict) and p.get("name")]
        by_location = {
            location: _examples_by_name(p for p in parameters if p.get("in") == location)
            for location in ("path", "query", "header")
        }
        # A request body example names a request as much as a parameter example does.
        body_names = {
            str(name)
            for media in ((node.get("requestBody") or {}).get("content") or {}).values()
            if isinstance(media, dict)
            for name in (media.get("examples") or {})
        }
        by_location["body"] = {name: {} for name in body_names}
        dispatcher, rules, fallback = self._dispatcher(path, node, parameters, where)
        script_name, script_problem = _script_name(dispatcher, rules)
        body_rule = None
        if dispatcher == "JSON_BODY":
            parsed = parse_body_rule(rules)
            if isinstance(parsed, str):
                raise MockSpecError(f"{self._source}: {where}.x-microcks-operation: {parsed}")
            body_rule = parsed
        exchanges = tuple(self._exchanges(node, where, dispatcher, rules, by_location))
        required = tuple(
            (str(p["in"]), str(p["name"]))
            for p in parameters
            if p.get("required") is True and p.get("in") in ("query", "header")
        )
        return MockOperation(
            method=verb.upper(),
            path=path,
            operation_id=node.get("operationId"),
            dispatcher=dispatcher,
            rules=rules,
            fallback=fallback,
            script_name=script_name,
            script_problem=script_problem,
            required=required,
            exchanges=exchanges,
            pattern=_path_pattern(path),
            body_rule=body_rule,
        )

    def _dispatcher(
        self, path: str, node: dict[str, Any], parameters: list[dict[str, Any]], where: str
    ) -> tuple[str | None, str, str | None]:
        """The root dispatcher, its rules and the fallback example name (FALLBACK unwrapped)."""
        extension = node.get("x-microcks-operation")
        if isinstance(extension, dict) and extension.get("dispatcher"):
            dispatcher = str(extension["dispatcher"])
            rules = str(extension.get("dispatcherRules") or "")
            if dispatcher == "FALLBACK":
                return _unwrap_fallback(rules, f"{self._source}: {where}")
            if dispatcher not in DISPATCHERS:
                raise MockSpecError(
                    f"{self._source}: {where}.x-microcks-operation: dispatcher {dispatcher!r} is "
                    f"not supported; use one of {', '.join(DISPATCHERS)}"
                )
            return dispatcher, rules, None
        query = [str(p["name"]) for p in parameters if p.get("in") == "query"]
        parts = re.findall(r"\{([^}/]+)\}", path)
        if query and parts:
            return "URI_ELEMENTS", " && ".join(parts) + " ?? " + " && ".join(query), None
        if query:
            return "URI_PARAMS", " && ".join(query), None
        if parts:
            return "URI_PARTS", " && ".join(parts), None
        return None, "", None

    def _exchanges(
        self,
        node: dict[str, Any],
        where: str,
        dispatcher: str | None,
        rules: str,
        by_location: Mapping[str, dict[str, dict[str, str]]],
    ) -> Iterable[Exchange]:
        responses = self.resolve(node.get("responses") or {}, f"{where}.responses")
        for status_text, response_node in responses.items():
            if not str(status_text).isdigit():
                continue  # `default` and `2XX` name no concrete status to answer with
            response = self.resolve(response_node, f"{where}.responses.{status_text}")
            if not isinstance(response, dict):
                continue
            status = int(status_text)
            content = self.resolve(response.get("content") or {}, f"{where}.responses")
            named: list[tuple[str, str | None, str | None]] = []
            for media_type, media in content.items():
                media = self.resolve(media, f"{where}.responses.{status}.content")
                examples = self.resolve(
                    (media or {}).get("examples") or {}, f"{where}.responses.{status}"
                )
                for name, example in examples.items():
                    value = self.resolve(example, f"{where}.responses.{status}.examples.{name}")
                    named.append((str(name), str(media_type), _serialize(value)))
            if not content:
                named = [(str(n), None, None) for n in response.get("x-microcks-refs") or []]
            for name, media_type, body in named:
                parts = by_location["path"].get(name)
                if parts is None and dispatcher in ("URI_PARTS", "URI_ELEMENTS"):
                    continue  # Microcks drops an example that cannot be reached by its path
                if media_type is None and not any(name in by_location[k] for k in by_location):
                    continue  # a no-content ref needs a request fragment of that name
                yield Exchange(
                    name=name,
                    status=status,
                    media_type=media_type,
                    body=body,
                    headers=tuple(self._headers(response, name, where)),
                    criteria=_criteria(dispatcher, rules, name, by_location),
                )

    def _headers(
        self, response: dict[str, Any], name: str, where: str
    ) -> Iterable[tuple[str, str]]:
        for header, header_node in (response.get("headers") or {}).items():
            spec = self.resolve(header_node, f"{where}.headers.{header}")
            example = (spec.get("examples") or {}).get(name) if isinstance(spec, dict) else None
            if example is not None:
                value = _serialize(self.resolve(example, f"{where}.headers.{header}"))
                if value is not None:
                    yield str(header), value


def _examples_by_name(parameters: Iterable[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """example name -> {parameter name: value} for one parameter location."""
    found: dict[str, dict[str, str]] = {}
    for parameter in parameters:
        for name, example in (parameter.get("examples") or {}).items():
            value = example.get("value") if isinstance(example, dict) else None
            if value is not None:
                found.setdefault(str(name), {})[str(parameter["name"])] = _scalar(value)
    return found


def _criteria(
    dispatcher: str | None,
    rules: str,
    name: str,
    by_location: Mapping[str, dict[str, dict[str, str]]],
) -> str | None:
    if dispatcher == "URI_PARTS":
        return build_parts(rules, by_location["path"].get(name, {}))
    if dispatcher == "URI_PARAMS":
        return build_params(rules, by_location["query"].get(name, {}))
    if dispatcher == "URI_ELEMENTS":
        return build_parts(rules, by_location["path"].get(name, {})) + build_params(
            rules, by_location["query"].get(name, {})
        )
    if dispatcher == "QUERY_HEADER":
        return build_params(rules, by_location["header"].get(name, {}))
    return None


def rule_names(rules: str, *, part: int | None = None) -> set[str]:
    """The parameter names of `a && b` (or one side of URI_ELEMENTS' `parts ?? params`)."""
    if part is not None:
        sides = rules.split("??")
        rules = sides[part] if len(sides) > part else ("" if part else rules)
    return {name.strip() for name in rules.split("&&") if name.strip()}


def build_parts(rules: str, values: Mapping[str, str]) -> str:
    """`/name=value` for each path part named in the rules, sorted by name (Microcks' form)."""
    names = rule_names(rules, part=0)
    return "".join(f"/{key}={values[key]}" for key in sorted(values) if key in names)


def build_params(rules: str, values: Mapping[str, str]) -> str:
    """`?name=value` for each query parameter or header named in the rules, sorted by name."""
    names = rule_names(rules, part=1 if "??" in rules else None)
    return "".join(f"?{key}={values[key]}" for key in sorted(values) if key in names)


def _unwrap_fallback(rules: str, where: str) -> tuple[str | None, str, str | None]:
    try:
        spec = json.loads(rules)
    except json.JSONDecodeError:
        spec = None
    if not isinstance(spec, dict) or not spec.get("fallback"):
        raise MockSpecError(
            f"{where}.x-microcks-operation: FALLBACK rules must be JSON like "
            '{"dispatcher": "URI_PARAMS", "dispatcherRules": "status", "fallback": "name"}'
        )
    inner = spec.get("dispatcher")
    if inner is not None and inner not in DISPATCHERS:
        raise MockSpecError(
            f"{where}.x-microcks-operation: FALLBACK wraps dispatcher {inner!r}, which is not "
            f"supported; use one of {', '.join(d for d in DISPATCHERS if d != 'FALLBACK')}"
        )
    return inner, str(spec.get("dispatcherRules") or ""), str(spec["fallback"])


def _script_name(dispatcher: str | None, rules: str) -> tuple[str | None, str | None]:
    """The example a SCRIPT dispatcher names; iocgate runs no scripts, only `return 'name'`."""
    if dispatcher != "SCRIPT":
        return None, None
    match = _SCRIPT_LITERAL.fullmatch(rules)
    if match:
        return match.group("name"), None
    return None, (
        "its SCRIPT dispatcher is not a literal `return 'example-name'`, and iocgate mock "
        "runs no scripts"
    )


def _path_pattern(path: str) -> re.Pattern[str]:
    pieces = re.split(r"(\{[^}/]+\})", path.rstrip("/") or "/")
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in pieces)
    return re.compile(regex + "/?")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _serialize(example: Any) -> str | None:
    """An Example Object's value as the text to send: strings as written, the rest as JSON."""
    if not isinstance(example, dict) or "value" not in example:
        return None
    value = example["value"]
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
