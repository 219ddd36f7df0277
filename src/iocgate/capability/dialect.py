"""Each spec version's shapes, read into the one internal form (see `model.py`) at the edge.

A file says its version with its root key: ``naftiko:`` 1.0.0-alpha1/alpha2 or ``ikanos:``
1.0.0-alpha3 ... 1.0.0-beta5. From alpha3 on, named entities are maps keyed by name and
``label`` is ``display``; alpha2 writes lists whose items carry ``name:``. Both shapes are read
(the reference engine still reads both), and a shape that is not the file's own version's is
reported as a problem saying what to write instead. Every node of the internal form remembers
where it came from (`Origin`), so errors name the file, line and JSON path as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iocgate.capability.source import Location, Source

__all__ = [
    "IKANOS_VERSIONS",
    "LATEST",
    "NAFTIKO_VERSIONS",
    "SUPPORTED_VERSIONS",
    "Dialect",
    "Normalized",
    "Origin",
    "detect_dialect",
    "normalize",
]

NAFTIKO_VERSIONS = ("1.0.0-alpha1", "1.0.0-alpha2")
IKANOS_VERSIONS = (
    "1.0.0-alpha3",
    "1.0.0-alpha4",
    "1.0.0-beta1",
    "1.0.0-beta2",
    "1.0.0-beta3",
    "1.0.0-beta4",
    "1.0.0-beta5",
)
SUPPORTED_VERSIONS = NAFTIKO_VERSIONS + IKANOS_VERSIONS
LATEST = IKANOS_VERSIONS[-1]

#: Fields that hold named entities: a list of items with ``name`` (alpha1/alpha2) or a map keyed
#: by name (alpha3+). ``outputParameters`` is both: a list in simple mode, named otherwise.
NAMED_FIELDS = frozenset(
    {
        "inputParameters",
        "outputParameters",
        "resources",
        "operations",
        "tools",
        "prompts",
        "arguments",
        "skills",
        "steps",
        "flows",
        "functions",
    }
)
#: Fields that are always lists, in every version (simple-mode outputs may be either).
LIST_IN_EVERY_VERSION = frozenset({"outputParameters"})
#: Values that are data, not spec nodes: never rewritten.
OPAQUE_FIELDS = frozenset(
    {
        "with",
        "keys",
        "metadata",
        "responses",
        "responseBinary",
        "body",
        "properties",
        "items",
        "value",
        "const",
        "management",
        "observability",
        "template",
        "hints",
        "semantics",
        "authentication",
        "tunnel",
        "forward",
        "info",
    }
)
SECTIONS = ("binds", "consumes", "exposes", "aggregates")


@dataclass(frozen=True, slots=True)
class Dialect:
    """The spec key and version a file is written in."""

    key: str  # "naftiko" or "ikanos"
    version: str

    @property
    def keyed(self) -> bool:
        """Named entities are maps keyed by name (alpha3+)."""
        return self.key == "ikanos"

    @property
    def label_key(self) -> str:
        return "display" if self.keyed else "label"


@dataclass
class Origin:
    """Where each node of the internal form was written: internal location -> (file, location)."""

    places: dict[Location, tuple[Source, Location]] = field(default_factory=dict)

    def add(self, internal: Location, source: Source, written: Location) -> None:
        self.places[internal] = (source, written)

    def find(self, internal: Location, default: Source) -> tuple[Source, Location]:
        """The file and written location of ``internal`` (or of its nearest known ancestor)."""
        loc = tuple(internal)
        for cut in range(len(loc), -1, -1):
            hit = self.places.get(loc[:cut])
            if hit is not None:
                source, written = hit
                return source, (*written, *loc[cut:])
        return default, loc

    def graft(self, other: Origin, inner: Location, outer: Location) -> None:
        """Take ``other``'s places under ``inner`` as this origin's places under ``outer``."""
        for loc, place in other.places.items():
            if loc[: len(inner)] == inner:
                self.places[(*outer, *loc[len(inner) :])] = place


@dataclass
class Normalized:
    """A file read into the internal form, with its origin and the version-shape problems."""

    dialect: Dialect | None
    data: dict[str, Any]
    origin: Origin
    problems: list[tuple[Source, Location, str]] = field(default_factory=list)


def detect_dialect(data: dict[str, Any]) -> tuple[Dialect | None, tuple[Location, str] | None]:
    """The file's dialect, or the problem that prevents reading it."""
    supported = f"naftiko: {' or '.join(NAFTIKO_VERSIONS)}; ikanos: {', '.join(IKANOS_VERSIONS)}"
    for key, versions in (("ikanos", IKANOS_VERSIONS), ("naftiko", NAFTIKO_VERSIONS)):
        if key not in data:
            continue
        version = str(data[key])
        if version in versions:
            return Dialect(key, version), None
        other = "naftiko" if key == "ikanos" else "ikanos"
        if version in SUPPORTED_VERSIONS:
            hint = f"version {version} is written `{other}: {version}`"
        else:
            hint = f"supported: {supported}"
        return None, ((key,), f"unsupported spec version {version!r} ({hint})")
    return None, (
        (),
        f"the file names no spec version: start it with `ikanos: {LATEST}` "
        f"(or `naftiko: {NAFTIKO_VERSIONS[-1]}`); supported: {supported}",
    )


class _Reader:
    """One pass over a file's data, building the internal form and its origin."""

    def __init__(self, source: Source, dialect: Dialect) -> None:
        self.source = source
        self.dialect = dialect
        self.origin = Origin()
        self.problems: list[tuple[Source, Location, str]] = []

    def problem(self, written: Location, message: str) -> None:
        self.problems.append((self.source, written, message))

    def node(self, value: Any, internal: Location, written: Location) -> Any:
        self.origin.add(internal, self.source, written)
        if isinstance(value, list):
            return [self.node(item, (*internal, i), (*written, i)) for i, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        result: dict[str, Any] = {}
        for key, item in value.items():
            name = self.rename(str(key), value, written)
            if name in result:  # both spellings given: the version's own wins
                continue
            where_in, where_out = (*internal, name), (*written, key)
            if name in OPAQUE_FIELDS:
                self.origin.add(where_in, self.source, where_out)
                result[name] = self.opaque(item, where_in, where_out)
            elif name in NAMED_FIELDS:
                result[name] = self.named(str(key), item, where_in, where_out)
            else:
                result[name] = self.node(item, where_in, where_out)
        return result

    def opaque(self, value: Any, internal: Location, written: Location) -> Any:
        """Data kept as written, but indexed so errors inside it still name their line."""
        if isinstance(value, dict):
            for key, item in value.items():
                self.origin.add((*internal, key), self.source, (*written, key))
                self.opaque(item, (*internal, key), (*written, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.origin.add((*internal, i), self.source, (*written, i))
                self.opaque(item, (*internal, i), (*written, i))
        return value

    def rename(self, key: str, parent: dict[str, Any], written: Location) -> str:
        keyed = self.dialect.keyed
        renames = {"label": "display", "functions": "flows", "targetName": "target"}
        if key in renames:
            new = renames[key]
            if keyed:
                self.problem((*written, key), f"`{key}` is alpha2; version "
                             f"{self.dialect.version} writes `{new}`")  # fmt: skip
            return new
        if not keyed and key in ("display", "flows", "target") and _is_spec_node(parent):
            old = {v: k for k, v in renames.items()}[key]
            self.problem((*written, key), f"`{key}` is alpha3+; version "
                         f"{self.dialect.version} writes `{old}`")  # fmt: skip
        return key

    def named(self, key: str, value: Any, internal: Location, written: Location) -> Any:
        self.origin.add(internal, self.source, written)
        if isinstance(value, dict):
            if not self.dialect.keyed and key not in LIST_IN_EVERY_VERSION:
                self.problem(
                    written,
                    f"version {self.dialect.version} writes `{key}` as a list of items with "
                    "`name:`, not a map keyed by name",
                )
            items: list[Any] = []
            for index, (name, item) in enumerate(value.items()):
                where_in, where_out = (*internal, index), (*written, name)
                if isinstance(item, dict):
                    converted = self.node(item, where_in, where_out)
                    if isinstance(converted, dict):
                        converted = {"name": str(name), **converted}
                        if "name" in item and self.dialect.keyed:
                            self.problem(
                                (*where_out, "name"),
                                f"`name` is the map key since alpha3: remove it (key {name!r})",
                            )
                    items.append(converted)
                else:
                    items.append(self.node(item, where_in, where_out))
                self.origin.add((*where_in, "name"), self.source, where_out)
            return items
        if isinstance(value, list) and self.dialect.keyed and key not in LIST_IN_EVERY_VERSION:
            names = [i.get("name") for i in value if isinstance(i, dict)]
            if value:
                self.problem(
                    written,
                    f"version {self.dialect.version} writes `{key}` as a map keyed by name "
                    f"(`{key}: {{{names[0] if names and names[0] else 'my-name'}: {{...}}}}`), "
                    "not a list",
                )
        return self.node(value, internal, written)


def _is_spec_node(parent: dict[str, Any]) -> bool:
    return not ("role" in parent and "content" in parent)


def _import_problem(reader: _Reader, item: Any, written: Location) -> None:
    if not isinstance(item, dict) or "import" not in item:
        return
    if reader.dialect.keyed and "location" in item and "from" not in item:
        reader.problem(
            (*written, "location"),
            "an import is written `from: <path>` since alpha3 (alpha2's `location:` is gone)",
        )
    if not reader.dialect.keyed and "from" in item:
        reader.problem(
            (*written, "from"),
            f"version {reader.dialect.version} imports with `location: <path>`; `from:` is alpha3+",
        )


def normalize(source: Source, dialect: Dialect) -> Normalized:
    """Read ``source`` (written in ``dialect``) into the internal form."""
    data: dict[str, Any] = source.data
    reader = _Reader(source, dialect)
    result: dict[str, Any] = {}
    fragment = "capability" not in data
    for key, value in data.items():
        if key == "capability" and isinstance(value, dict):
            sections: dict[str, Any] = {}
            reader.origin.add(("capability",), source, ("capability",))
            for section, item in value.items():
                place: Location = ("capability", section)
                sections[section] = reader.node(item, place, place)
            result["capability"] = sections
        elif fragment and key in ("consumes", "exposes", "aggregates"):
            result.setdefault("capability", {})[key] = reader.node(
                value, ("capability", key), (key,)
            )
        elif key == "info" and isinstance(value, dict):
            reader.origin.add(("info",), source, ("info",))
            info: dict[str, Any] = {}
            for name, item in value.items():
                new = reader.rename(str(name), value, ("info",))
                reader.origin.add(("info", new), source, ("info", name))
                info.setdefault(new, reader.opaque(item, ("info", new), ("info", name)))
            result["info"] = info
        else:
            result[key] = reader.node(value, (key,), (key,))
    raw_body = data.get("capability")
    body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
    for section in SECTIONS:
        candidates: tuple[tuple[Location, Any], ...] = (
            ((section,), data.get(section)),
            (("capability", section), body.get(section)),
        )
        for where, items in candidates:
            if isinstance(items, list):
                for index, item in enumerate(items):
                    _import_problem(reader, item, (*where, index))
    return Normalized(dialect, result, reader.origin, reader.problems)
