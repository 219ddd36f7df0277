"""`iocgate migrate`: an alpha1/alpha2 document rewritten as the newest spec version.

The rewrite follows the alpha3 changes (the later ones are additive): the ``ikanos:`` key, named
lists become maps keyed by name, ``label`` becomes ``display``, ``functions`` become ``flows``,
``targetName`` becomes ``target`` and ``location:`` imports become ``from:``. The seed
generator's dialect is written the way the schema spells it: ``{{x}}`` placeholders in paths,
``with`` values naming the adapter's namespace instead of ``rest.``/``tools.``, consumed
parameters reduced to ``in``/``value`` (their type, required flag and description move to the
exposed side that publishes them), and an object output with no ``properties`` (the whole
upstream body) written as no output mapping at all, which iocgate reads the same way.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from iocgate.capability.dialect import LATEST, NAFTIKO_VERSIONS
from iocgate.capability.spec import Capability, ExposedCall, Parameter
from iocgate.errors import CapabilityError

__all__ = ["migrate_capability"]

_OPENAPI_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_$][\w.$-]*)\}(?!\})")
_KEBAB = re.compile(r"[^a-zA-Z0-9-]+")
_CONSUMED_PARAMETER_KEYS = ("in", "value")
_ORCHESTRATION_KEYS = ("inputParameters", "ref", "call", "with", "steps", "mappings")
_REST_OPERATION_KEYS = frozenset(
    ("display", "tags", "description", "method", "outputParameters", *_ORCHESTRATION_KEYS)
)
_TOOL_KEYS = frozenset(
    ("display", "tags", "description", "hints", "outputParameters", *_ORCHESTRATION_KEYS)
)


def _mustache_path(path: str) -> str:
    return _OPENAPI_PLACEHOLDER.sub(lambda m: "{{" + m.group(1) + "}}", path)


def _kebab(text: str) -> str:
    return _KEBAB.sub("-", text).strip("-") or "item"


def _keyed(items: list[Any], fallback: str, transform: Any = None) -> dict[str, Any]:
    """A list of items with ``name`` as a map keyed by name (items without one get a key)."""
    result: dict[str, Any] = {}
    for index, item in enumerate(items):
        body = dict(item)
        name = str(body.pop("name", "") or f"{fallback}-{index + 1}")
        key, n = name, 2
        while key in result:
            key, n = f"{name}-{n}", n + 1
        result[key] = transform(body) if transform else body
    return result


def _display(node: dict[str, Any]) -> dict[str, Any]:
    return {("display" if k == "label" else k): v for k, v in node.items()}


def _consumed_parameter(param: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in param.items() if k in _CONSUMED_PARAMETER_KEYS}


def _outputs(items: list[Any]) -> list[Any] | dict[str, Any] | None:
    """Simple-mode outputs; the generator's whole-body object output means no mapping."""
    kept = [
        {k: v for k, v in item.items() if k != "name"}
        for item in items
        if not (item.get("type") == "object" and "properties" not in item)
    ]
    return kept or None


def _consumed_outputs(items: list[Any]) -> dict[str, Any] | None:
    kept = {
        str(item.get("name") or f"output-{i + 1}"): {"type": item.get("type", "object"),
                                                      "value": item.get("value", "$")}
        for i, item in enumerate(items)
        if "properties" not in item
    }  # fmt: skip
    return kept or None


def _with(with_map: dict[str, Any], prefixes: tuple[str, ...], namespace: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for target, value in with_map.items():
        if isinstance(value, str):
            for prefix in prefixes:
                if value.startswith(prefix + "."):
                    value = f"{namespace}.{value[len(prefix) + 1 :]}"
                    break
        result[target] = value
    return result


def _exposed_parameter(param: Parameter, *, mcp: bool) -> dict[str, Any]:
    """An exposed input parameter as the schema spells it (type and description required)."""
    written: dict[str, Any] = {} if mcp else {"in": param.location}
    written["type"] = param.type
    written["description"] = param.description or param.name
    if mcp:
        written["required"] = param.required
    return written


def _declared(call: ExposedCall | None, *, mcp: bool, path: str = "") -> dict[str, Any]:
    if call is None:
        return {}
    path_names = set(re.findall(r"\{\{?([\w.$-]+)\}?\}", path))
    result: dict[str, Any] = {}
    for param in call.parameters:
        written = _exposed_parameter(param, mcp=mcp)
        if not mcp and param.name in path_names:
            written["in"] = "path"
        result[param.name] = written
    return result


def _operation_body(op: dict[str, Any]) -> dict[str, Any]:
    op = _display(op)
    if "inputParameters" in op:
        op["inputParameters"] = _keyed(op["inputParameters"], "param", _consumed_parameter)
    if "outputParameters" in op:
        outputs = _consumed_outputs(op.pop("outputParameters"))
        if outputs:
            op["outputParameters"] = outputs
    return op


def _consumes(entry: dict[str, Any]) -> dict[str, Any]:
    if "import" in entry:
        return _import(entry)
    entry = dict(entry)
    if "inputParameters" in entry:
        entry["inputParameters"] = _keyed(entry["inputParameters"], "param", _consumed_parameter)
    resources: dict[str, Any] = {}
    for index, resource in enumerate(entry.get("resources", [])):
        resource = _display(dict(resource))
        name = str(resource.pop("name", "") or f"resource-{index + 1}")
        resource["path"] = _mustache_path(str(resource.get("path", "")))
        if "inputParameters" in resource:
            resource["inputParameters"] = _keyed(
                resource["inputParameters"], "param", _consumed_parameter
            )
        resource["operations"] = _keyed(resource.get("operations", []), "op", _operation_body)
        resources[name] = resource
    if resources:
        entry["resources"] = resources
    return entry


def _import(entry: dict[str, Any]) -> dict[str, Any]:
    written = {"from": entry.get("from", entry.get("location")), "import": entry["import"]}
    written.update({k: entry[k] for k in ("as", "description") if k in entry})
    return written


def _rest(adapter: dict[str, Any], capability: Capability) -> dict[str, Any]:
    adapter = dict(adapter)
    namespace = str(adapter.get("namespace", "rest"))
    routes = {(r.method, r.path): r for r in (capability.rest.routes if capability.rest else ())}
    known = frozenset(("type", "address", "port", "namespace", "authentication"))
    resources: dict[str, Any] = {}
    for index, resource in enumerate(adapter.get("resources", [])):
        resource = _display(dict(resource))
        name = _kebab(str(resource.pop("name", "") or f"resource-{index + 1}"))
        path = _mustache_path(str(resource.get("path", "")))
        resource["path"] = path
        operations: dict[str, Any] = {}
        if "inputParameters" in resource:
            resource["inputParameters"] = _generic(
                {"inputParameters": resource["inputParameters"]}
            )["inputParameters"]
        for o_index, op in enumerate(resource.get("operations", [])):
            op = _display(dict(op))
            op_name = _kebab(str(op.pop("name", "") or str(op.get("method", "get")).lower()))
            if "call" not in op:  # steps, ref or mock: the mechanical rewrite
                key = op_name if op_name not in operations else f"{op_name}-{o_index + 1}"
                operations[key] = _generic(op)
                continue
            route = routes.get((str(op.get("method", "GET")), _braces(path)))
            if "with" in op:
                op["with"] = _with(op["with"], (namespace, "rest"), namespace)
            declared = _declared(route, mcp=False, path=path)
            if declared:
                op["inputParameters"] = declared
            outputs = _outputs(op.pop("outputParameters", []))
            if outputs:
                op["outputParameters"] = outputs
            key = op_name if op_name not in operations else f"{op_name}-{o_index + 1}"
            operations[key] = {k: v for k, v in op.items() if k in _REST_OPERATION_KEYS}
        if operations:
            resource["operations"] = operations
        else:
            resource.pop("operations", None)
        resources[name] = resource
    written = {k: v for k, v in adapter.items() if k in known}
    written["resources"] = resources
    return written


def _braces(path: str) -> str:
    return re.sub(r"\{\{\s*([\w.$-]+)\s*\}\}", r"{\1}", path)


def _mcp(adapter: dict[str, Any], capability: Capability) -> dict[str, Any]:
    adapter = dict(adapter)
    namespace = str(adapter.get("namespace", "mcp"))
    specs = {t.name: t for t in (capability.mcp.tools if capability.mcp else ())}
    tools: dict[str, Any] = {}
    for key in ("resources", "prompts"):
        if key in adapter:
            adapter[key] = _generic({key: adapter[key]})[key]
    for index, tool in enumerate(adapter.get("tools", [])):
        tool = _display(dict(tool))
        name = str(tool.pop("name", "") or f"tool-{index + 1}")
        if "call" not in tool:  # steps, ref or mock: the mechanical rewrite
            tools[name] = _generic(tool)
            continue
        if "title" in tool and "display" not in tool:
            tool["display"] = tool.pop("title")
        if "with" in tool:
            tool["with"] = _with(tool["with"], (namespace, "tools"), namespace)
        declared = _declared(specs.get(name), mcp=True)
        if declared:
            tool["inputParameters"] = declared
        outputs = _outputs(tool.pop("outputParameters", []))
        if outputs:
            tool["outputParameters"] = outputs
        tools[name] = {k: v for k, v in tool.items() if k in _TOOL_KEYS}
    adapter["tools"] = tools
    return adapter


def _exposes(adapter: dict[str, Any], capability: Capability) -> dict[str, Any]:
    if "import" in adapter:
        return _import(adapter)
    if adapter.get("type") == "rest":
        return _rest(adapter, capability)
    if adapter.get("type") == "mcp":
        return _mcp(adapter, capability)
    generic: dict[str, Any] = _generic(adapter)
    return generic


#: Fields holding named entities (alpha2: lists of items with ``name``; beta5: keyed maps).
_NAMED = frozenset(
    ("tools", "skills", "steps", "flows", "prompts", "arguments", "resources", "operations",
     "inputParameters", "outputParameters")
)  # fmt: skip
#: Values that are data, not spec nodes.
_OPAQUE = frozenset(("with", "keys", "metadata", "body", "template"))
#: Orchestrated outputs' sub-fields: named lists in alpha2, keyed maps since alpha3.
_NAMED_OUTPUT_PARTS = frozenset(("items", "properties"))


def _generic(node: Any) -> Any:
    """Any construct: the mechanical alpha3 renames and named lists made keyed maps."""
    if isinstance(node, list):
        return [_generic(item) for item in node]
    if not isinstance(node, dict):
        return node
    renames = {"label": "display", "functions": "flows", "targetName": "target"}
    result: dict[str, Any] = {}
    for key, value in node.items():
        name = renames.get(str(key), str(key))
        if name in _OPAQUE:
            result[name] = value
        elif name in _NAMED_OUTPUT_PARTS and isinstance(value, dict):  # keyed: drop `name:`
            result[name] = {
                k: _generic({f: v for f, v in item.items() if f != "name"})
                if isinstance(item, dict)
                else item
                for k, item in value.items()
            }
        elif (
            (name in _NAMED or name in _NAMED_OUTPUT_PARTS)
            and isinstance(value, list)
            and value
            and all(isinstance(i, dict) and "name" in i for i in value)
        ):
            result[name] = _keyed([_generic(i) for i in value], name)
        else:
            result[name] = _generic(value)
    return result


def migrate_capability(capability: Capability) -> str:
    """The YAML text of ``capability`` (an alpha1/alpha2 file) in the newest spec version."""
    data = capability.source.data
    version = str(data.get("naftiko", "")) if isinstance(data, dict) else ""
    if version not in NAFTIKO_VERSIONS:
        raise CapabilityError(
            f"only naftiko {' and '.join(NAFTIKO_VERSIONS)} documents need migrating "
            f"(this one is {capability.document.spec_version or 'unversioned'})",
            file=capability.name,
        )
    result: dict[str, Any] = {"ikanos": LATEST}
    if "info" in data:
        info = _display(dict(data["info"]))
        info.setdefault("description", info.get("display", ""))
        result["info"] = info
    if "binds" in data:
        result["binds"] = [_import(b) if "import" in b else b for b in data["binds"]]
    if "consumes" in data:
        result["consumes"] = [_consumes(c) for c in data["consumes"]]
    body = data.get("capability")
    if isinstance(body, dict):
        written: dict[str, Any] = {}
        for section, value in body.items():
            if section == "consumes":
                written[section] = [_consumes(c) for c in value]
            elif section == "exposes":
                written[section] = [_exposes(a, capability) for a in value]
            elif section == "binds":
                written[section] = [_import(b) if "import" in b else b for b in value]
            else:
                written[section] = _generic(value)
        result["capability"] = written
    text: str = yaml.safe_dump(result, sort_keys=False, allow_unicode=True, width=100)
    return _header(capability) + text


def _header(capability: Capability) -> str:
    """The file's leading comment block, kept (comments inside the document are not)."""
    if capability.path is None:
        return ""
    lines: list[str] = []
    for line in capability.path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line + "\n")
    return "".join(lines)
