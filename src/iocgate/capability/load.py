"""Loading a capability file of any spec version into a checked `Capability`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from iocgate.capability.dialect import SUPPORTED_VERSIONS, detect_dialect, normalize
from iocgate.capability.imports import resolve_imports
from iocgate.capability.model import CapabilityDocument
from iocgate.capability.problems import Problems
from iocgate.capability.resolve import resolve
from iocgate.capability.source import Location, Source, json_path, read_file, read_source
from iocgate.capability.spec import Capability
from iocgate.errors import CapabilityError

__all__ = [
    "SUPPORTED_VERSIONS",
    "check_capability",
    "load_capability",
    "load_capability_text",
]


def _error(source: Source, location: Location, message: str) -> CapabilityError:
    return CapabilityError(
        message,
        file=source.name,
        line=source.line_of(location),
        field=json_path(location),
        path=json_path(location),
    )


ALIASES = {"with_": "with", "in_": "in", "from_": "from"}
UNION_TAGS = frozenset({"rest", "mcp", "skill", "control"})


def _pydantic_problems(exc: ValidationError) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    for item in exc.errors():
        # Pydantic adds the union member's tag (e.g. 'rest') to the location: drop it.
        location = tuple(
            ALIASES.get(part, part) if isinstance(part, str) else part
            for part in item["loc"]
            if not (isinstance(part, str) and part in UNION_TAGS)
        )
        kind = item["type"]
        if kind == "missing":
            message = (
                f"required field is missing: add `{location[-1]}:`"
                if location
                else ("required field is missing")
            )
        elif kind == "union_tag_invalid":
            message = "type must be one of 'rest', 'mcp', 'skill', 'control'"
        else:
            message = item["msg"]
            if "input" in item and kind.startswith(("literal", "greater", "less", "int")):
                message += f" (got {item['input']!r})"
        problems.append((location, message))
    return problems


def check_capability(
    source: Source, path: Path | None = None
) -> tuple[Capability | None, list[CapabilityError]]:
    """Check a parsed file of any supported version; the capability (when usable) and errors.

    The version's shapes are read into the internal model first (`dialect.py`), imports are
    resolved (`imports.py`); every error names the file, line and JSON path as written.
    """
    data = source.data
    if not isinstance(data, dict):
        return None, [_error(source, (), "a capability file must be a YAML mapping")]
    dialect, problem = detect_dialect(data)
    if dialect is None:
        assert problem is not None
        return None, [_error(source, *problem)]
    normalized = normalize(source, dialect)
    origin = normalized.origin

    def error(internal: Location, message: str) -> CapabilityError:
        where, written = origin.find(internal, source)
        return _error(where, written, message)

    errors = [_error(where, loc, message) for where, loc, message in normalized.problems]
    errors += [
        _error(where, loc, message)
        for where, loc, message in resolve_imports(normalized, path, source)
    ]
    try:
        document = CapabilityDocument.model_validate(normalized.data)
    except ValidationError as exc:
        return None, errors + [error(loc, message) for loc, message in _pydantic_problems(exc)]
    problems = Problems()
    operations, rest, mcp, more_mcp = resolve(document, problems)
    body = document.capability
    if not (body.exposes or body.consumes or body.aggregates or document.binds or body.binds):
        problems.add(("capability",), "the capability declares nothing: add consumes and exposes")
    elif not body.exposes and "capability" in data:
        problems.not_yet(("capability",), "a capability that exposes nothing")
    errors += [error(location, message) for location, message in problems.errors]
    capability = Capability(
        source=source,
        document=document,
        operations=operations,
        rest=rest,
        mcp=mcp,
        path=path,
        more_mcp=more_mcp,
        binds=tuple(document.binds) + tuple(document.capability.binds),
        unsupported=tuple(error(loc, message) for loc, message in problems.unsupported),
        warnings=tuple(error(loc, message) for loc, message in problems.warnings),
        origin=origin,
    )
    return capability, errors


def _first_or_raise(result: tuple[Capability | None, list[CapabilityError]]) -> Capability:
    capability, errors = result
    if errors:
        raise errors[0]
    assert capability is not None
    return capability


def load_capability(path: Path) -> Capability:
    """Load and check the capability at ``path``; raise the first `CapabilityError` found."""
    return _first_or_raise(check_capability(read_file(path), path))


def load_capability_text(text: str, name: str = "<capability>") -> Capability:
    """Load a capability from YAML text (tests and embedded files)."""
    return _first_or_raise(check_capability(read_source(text, name)))
