"""Resolving ``binds``: variables from the environment or from a ``file://`` location."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from iocgate.capability.model import Binding
from iocgate.errors import BindError

__all__ = ["BindValues", "resolve_binds"]


class BindValues(dict[str, object]):
    """Variables both flat (``{{VAR}}``) and by namespace (``{{env.VAR}}``).

    Its ``repr`` never shows values: they are secrets.
    """

    def __repr__(self) -> str:
        return f"BindValues({sorted(k for k, v in self.items() if not isinstance(v, dict))})"

    @property
    def secrets(self) -> list[str]:
        """Every non-empty value, for redaction."""
        return [v for v in self.values() if isinstance(v, str) and v]


def _read_location(location: str, capability_file: str, base: Path | None) -> Mapping[str, object]:
    parsed = urlparse(location)
    if parsed.scheme != "file":
        raise BindError(
            f"bind location {location!r}: only file:// locations are supported "
            "(or omit `location` to read environment variables)",
            file=capability_file,
            field="binds.location",
        )
    raw = unquote(parsed.netloc + parsed.path)
    if raw.startswith(("/./", "/../")):  # `file:///./x`: relative to the capability file
        raw = raw[1:]
    candidates = [Path(raw)]
    if not Path(raw).is_absolute() and base is not None:
        candidates.insert(0, base / raw)
    for candidate in candidates:
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8")
            data = json.loads(text) if candidate.suffix == ".json" else yaml.safe_load(text)
            if not isinstance(data, dict):
                break
            return data
    raise BindError(
        f"bind location {location!r} is not a readable JSON or YAML mapping",
        file=capability_file,
        field="binds.location",
    )


def resolve_binds(
    binds: tuple[Binding, ...],
    *,
    capability_file: str,
    base: Path | None = None,
    environ: Mapping[str, str] | None = None,
    optional: frozenset[str] = frozenset(),
) -> BindValues:
    """Resolve every variable; a missing one raises `BindError` naming it and the capability.

    Variables in ``optional`` may be missing (demo mode needs no key) and resolve to ''.
    """
    env = os.environ if environ is None else environ
    values = BindValues()
    for binding in binds:
        source = (
            _read_location(binding.location, capability_file, base) if binding.location else env
        )
        scoped: dict[str, object] = {}
        for variable, key in binding.keys.items():
            value = source.get(key)
            if value is None or value == "":
                if variable in optional:
                    value = ""
                else:
                    origin = "the environment" if not binding.location else binding.location
                    raise BindError(
                        f"variable {variable} is not set: export {key}=... in {origin} "
                        f"(capability {capability_file}, bind namespace {binding.namespace!r})",
                        file=capability_file,
                        field=f"binds.{binding.namespace}.keys.{variable}",
                    )
            values[variable] = str(value)
            scoped[variable] = str(value)
        values[binding.namespace] = scoped
    return values
