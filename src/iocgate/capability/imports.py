"""Imports: an entry of ``consumes``/``exposes``/``aggregates``/``binds`` taken from another file.

alpha3+ writes ``{from: ./shared/x.yml, import: <namespace>, as: <alias>}``; alpha2 wrote
``{location: ./shared/x.yml, import: <namespace>, as: <alias>}``. The path is relative to the
importing file; the imported file is a whole capability or a root fragment (a document whose
root is ``consumes``, ``exposes``, ``aggregates`` or ``binds``). Imports are not transitive; a
duplicate namespace and an import cycle are errors naming both files.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from iocgate.capability.dialect import SECTIONS, Normalized, detect_dialect, normalize
from iocgate.capability.source import Location, Source, read_file
from iocgate.errors import CapabilityError

__all__ = ["is_import", "resolve_imports"]

Problem = tuple[Source, Location, str]


def is_import(item: object) -> bool:
    """An import entry (either spelling), as opposed to an inline entry."""
    return isinstance(item, dict) and "import" in item and ("from" in item or "location" in item)


def _target_path(item: dict[str, Any], importer: Path | None) -> Path:
    raw = str(item.get("from", item.get("location", "")))
    if raw.startswith("file:"):
        parsed = urlparse(raw)
        raw = unquote(parsed.netloc + parsed.path)
        if raw.startswith(("/./", "/../")):
            raw = raw[1:]
    path = Path(raw)
    if not path.is_absolute() and importer is not None:
        path = importer.parent / path
    return path


def _rebase(location: str, declared_in: Path) -> str:
    """A bind ``location`` relative to the file that declares it, made absolute."""
    target = _target_path({"from": location}, declared_in)
    if location.startswith("file:") and not target.is_absolute():
        return location
    return target.resolve().as_uri()


def _sections(data: dict[str, Any], section: str) -> list[tuple[Location, list[Any]]]:
    found: list[tuple[Location, list[Any]]] = []
    if section == "binds" and isinstance(data.get("binds"), list):
        found.append((("binds",), data["binds"]))
    body = data.get("capability")
    if isinstance(body, dict) and isinstance(body.get(section), list):
        found.append((("capability", section), body[section]))
    return found


def _load(path: Path) -> Normalized:
    source = read_file(path)
    if not isinstance(source.data, dict):
        raise CapabilityError("an imported file must be a YAML mapping", file=str(path))
    dialect, problem = detect_dialect(source.data)
    if dialect is None:
        assert problem is not None
        raise CapabilityError(problem[1], file=str(path), line=source.line_of(problem[0]))
    return normalize(source, dialect)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _imports_back(target: Normalized, target_path: Path, importer: Path) -> Location | None:
    """Where ``target`` imports from ``importer`` (an import cycle), if it does."""
    for section in SECTIONS:
        for where, items in _sections(target.data, section):
            for index, item in enumerate(items):
                if is_import(item) and _same(_target_path(item, target_path), importer):
                    return (*where, index)
    return None


def resolve_imports(document: Normalized, path: Path | None, source: Source) -> list[Problem]:
    """Replace every import entry of ``document`` by the entry it names; returns the problems."""
    problems: list[Problem] = []
    cache: dict[Path, Normalized] = {}
    for section in SECTIONS:
        for where, items in _sections(document.data, section):
            for index, item in enumerate(items):
                if not is_import(item):
                    continue
                here: Location = (*where, index)
                origin_source, written = document.origin.find(here, source)
                target_path = _target_path(item, path)
                try:
                    target = cache.get(target_path) or _load(target_path)
                except CapabilityError as exc:
                    problems.append((origin_source, (*written, "from"), f"cannot import: {exc}"))
                    continue
                cache[target_path] = target
                problems.extend(target.problems)
                if path is not None:
                    back = _imports_back(target, target_path, path)
                    if back is not None:
                        target_source, back_written = target.origin.find(back, source)
                        line = target_source.line_of(back_written)
                        problems.append(
                            (
                                origin_source,
                                written,
                                f"import cycle: {source.name} imports from {target_path}, "
                                f"which imports from {source.name} (line {line}); "
                                "move the shared entry into a third file both import",
                            )
                        )
                        continue
                found = _find(target, section, str(item["import"]))
                if found is None:
                    problems.append(
                        (
                            origin_source,
                            (*written, "import"),
                            f"{target_path} has no {section} entry with namespace "
                            f"{item['import']!r}",
                        )
                    )
                    continue
                inner, entry = found
                if is_import(entry):
                    problems.append(
                        (
                            origin_source,
                            (*written, "import"),
                            f"{target_path} itself imports {item['import']!r}: imports are not "
                            "transitive, import it from the file that defines it",
                        )
                    )
                    continue
                entry = copy.deepcopy(entry)
                if section == "binds" and entry.get("location"):
                    entry["location"] = _rebase(str(entry["location"]), target_path)
                if item.get("as"):
                    entry["namespace"] = str(item["as"])
                items[index] = entry
                document.origin.graft(target.origin, inner, here)
                if item.get("as"):
                    document.origin.add((*here, "namespace"), origin_source, (*written, "as"))
    problems.extend(_duplicates(document, source))
    return problems


def _find(target: Normalized, section: str, namespace: str) -> tuple[Location, Any] | None:
    for where, items in _sections(target.data, section):
        for index, entry in enumerate(items):
            if isinstance(entry, dict) and entry.get("namespace") == namespace:
                return (*where, index), entry
            if is_import(entry) and (entry.get("as") or entry.get("import")) == namespace:
                return (*where, index), entry
    return None


def _duplicates(document: Normalized, source: Source) -> list[Problem]:
    """The same namespace twice among consumes, exposes and aggregates, naming both files."""
    problems: list[Problem] = []
    seen: dict[str, tuple[Source, Location]] = {}
    for section in ("consumes", "exposes", "aggregates"):
        for where, items in _sections(document.data, section):
            for index, entry in enumerate(items):
                if not isinstance(entry, dict) or not entry.get("namespace"):
                    continue
                namespace = str(entry["namespace"])
                place = document.origin.find((*where, index, "namespace"), source)
                if namespace in seen:
                    first_source, first_loc = seen[namespace]
                    first = f"{first_source.name}:{first_source.line_of(first_loc)}"
                    problems.append(
                        (
                            place[0],
                            place[1],
                            f"namespace {namespace!r} is declared twice (first at {first}); "
                            "rename one, or import with `as: <other-name>`",
                        )
                    )
                else:
                    seen[namespace] = place
    return problems
