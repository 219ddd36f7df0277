"""Loading a capability file into a checked `Capability`; every error names file, line, field."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from iocgate.capability.model import CapabilityDocument
from iocgate.capability.source import Location, Source, json_path, read_file, read_source
from iocgate.capability.spec import Capability, Problems, resolve
from iocgate.errors import CapabilityError

__all__ = ["check_capability", "load_capability", "load_capability_text"]

SUPPORTED_VERSIONS = ("1.0.0-alpha1", "1.0.0-alpha2")


def _error(source: Source, location: Location, message: str) -> CapabilityError:
    return CapabilityError(
        message,
        file=source.name,
        line=source.line_of(location),
        field=json_path(location),
        path=json_path(location),
    )


def _pydantic_errors(source: Source, exc: ValidationError) -> list[CapabilityError]:
    errors: list[CapabilityError] = []
    for item in exc.errors():
        # Pydantic adds the union member's tag (e.g. 'rest') to the location: drop it.
        location = tuple(
            part for part in item["loc"] if not (isinstance(part, str) and part in ("rest", "mcp"))
        )
        kind = item["type"]
        if kind == "missing":
            message = "required field is missing"
        elif kind == "union_tag_invalid":
            message = "type must be 'rest' or 'mcp'"
        else:
            message = item["msg"]
            if "input" in item and kind.startswith(("literal", "greater", "less", "int")):
                message += f" (got {item['input']!r})"
        if location and location[-1] == "with_":
            location = (*location[:-1], "with")
        if location and location[-1] == "in_":
            location = (*location[:-1], "in")
        errors.append(_error(source, location, message))
    return errors


def check_capability(
    source: Source, path: Path | None = None
) -> tuple[Capability | None, list[CapabilityError]]:
    """Check a parsed file; returns the capability (when usable) and every error found."""
    data = source.data
    if not isinstance(data, dict):
        return None, [_error(source, (), "a capability file must be a YAML mapping")]
    version = data.get("naftiko")
    if version is not None and str(version) not in SUPPORTED_VERSIONS:
        return None, [
            _error(
                source,
                ("naftiko",),
                f"unsupported spec version {version!r} "
                f"(supported: {', '.join(SUPPORTED_VERSIONS)})",
            )
        ]
    try:
        document = CapabilityDocument.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_errors(source, exc)
    problems = Problems()
    operations, rest, mcp = resolve(document, problems)
    if not document.capability.exposes:
        problems.add(("capability",), "the capability exposes nothing: add a rest or mcp adapter")
    errors = [_error(source, location, message) for location, message in problems.errors]
    capability = Capability(
        source=source,
        document=document,
        operations=operations,
        rest=rest,
        mcp=mcp,
        path=path,
        binds=tuple(document.binds) + tuple(document.capability.binds),
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
