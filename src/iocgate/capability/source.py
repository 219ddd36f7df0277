"""Reading a capability file: YAML to plain data plus a map from each key's path to its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from iocgate.errors import CapabilityError

__all__ = ["Source", "json_path", "read_source"]

Location = tuple[str | int, ...]


def json_path(location: Location) -> str:
    """A location as users grep for it: ``capability.consumes[0].resources[0].path``."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts)


@dataclass(frozen=True)
class Source:
    """The parsed file, its name, and the line (1-based) of every mapping key and list item."""

    name: str
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location) -> int | None:
        """The line of ``location``, or of its nearest ancestor that has one."""
        loc = tuple(location)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


def _index_lines(node: yaml.Node, location: Location, lines: dict[Location, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*location, key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            lines[key] = key_node.start_mark.line + 1
            _index_lines(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*location, index)] = item.start_mark.line + 1
            _index_lines(item, (*location, index), lines)


def read_source(text: str, name: str) -> Source:
    """Parse ``text`` (YAML or JSON); a syntax error names the file and the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise CapabilityError(
            f"not valid YAML: {exc.problem or exc}", file=name, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise CapabilityError(f"not valid YAML: {exc}", file=name) from None
    lines: dict[Location, int] = {}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _index_lines(node, (), lines)
    return Source(name=name, data=data, lines=lines)


def read_file(path: Path) -> Source:
    """Read and parse the capability file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CapabilityError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise CapabilityError("the file is not UTF-8 text", file=str(path)) from None
    return read_source(text, str(path))
