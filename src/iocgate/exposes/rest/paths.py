"""Path templates (`/v1/files/{id}/behaviours`): matching raw request paths and building paths.

Matching works on the path *as the client sent it* (``raw_path``), split on ``/`` first and
each segment percent-decoded exactly once afterwards. That order is the point: a ``%2F`` inside
a sandbox id must stay inside one argument (where the upstream plugin refuses it) instead of
becoming a path separator, which is what routing on Starlette's already-decoded path would do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from iocgate.capability import encode_path_segment
from iocgate.errors import InvalidArgumentError

__all__ = ["PathTemplate", "decode_segments", "split_raw_path"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_$][\w.$-]*)\}")

# Specificity ranks of a template segment: lower wins (a literal beats a parameter).
_LITERAL, _MIXED, _PARAMETER = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Segment:
    """One segment of a template: literal text, a whole-segment parameter, or a mix of both."""

    literal: str | None = None
    name: str | None = None
    pattern: re.Pattern[str] | None = None  # `{id}.json`-like segments
    names: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        if self.literal is not None:
            return _LITERAL
        return _PARAMETER if self.name is not None else _MIXED


def _parse_segment(text: str) -> _Segment:
    names = tuple(_PLACEHOLDER.findall(text))
    if not names:
        return _Segment(literal=text)
    if len(names) == 1 and text == "{" + names[0] + "}":
        return _Segment(name=names[0], names=names)
    pattern = ""
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        pattern += re.escape(text[position : match.start()]) + "(.+?)"
        position = match.end()
    pattern += re.escape(text[position:])
    return _Segment(pattern=re.compile(pattern + r"\Z"), names=names)


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """A route or operation path such as ``/v1/file_behaviours/{sandbox_id}/pcap``."""

    template: str
    segments: tuple[_Segment, ...]

    @classmethod
    def parse(cls, template: str) -> PathTemplate:
        parts = template.strip("/").split("/") if template.strip("/") else []
        return cls(template, tuple(_parse_segment(part) for part in parts))

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in path order."""
        return tuple(name for segment in self.segments for name in segment.names)

    @property
    def specificity(self) -> tuple[int, ...]:
        """Sort key: at the first segment where two templates differ, a literal comes first."""
        return tuple(segment.rank for segment in self.segments)

    @property
    def last_literal(self) -> str | None:
        """The last segment when it is literal text (``pcap`` in ``.../{sandbox_id}/pcap``)."""
        if self.segments and self.segments[-1].literal is not None:
            return self.segments[-1].literal
        return None

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        """Parameter values when the *decoded* ``segments`` fit this template, else None.

        A parameter never matches an empty segment (``/files//behaviours`` is no route).
        """
        if len(segments) != len(self.segments):
            return None
        values: dict[str, str] = {}
        for segment, text in zip(self.segments, segments, strict=True):
            if segment.literal is not None:
                if text != segment.literal:
                    return None
            elif segment.name is not None:
                if not text:
                    return None
                values[segment.name] = text
            else:
                assert segment.pattern is not None
                found = segment.pattern.match(text)
                if found is None:
                    return None
                values.update(zip(segment.names, found.groups(), strict=True))
        return values

    def build(self, values: Mapping[str, str]) -> str:
        """The path with each value percent-encoded once, as exactly one segment."""
        return _PLACEHOLDER.sub(lambda m: encode_path_segment(values[m.group(1)]), self.template)


def split_raw_path(raw_path: str) -> list[str]:
    """The still-encoded segments of a request path (``/a/b%2Fc`` -> ``["a", "b%2Fc"]``)."""
    return raw_path[1:].split("/") if raw_path.startswith("/") else raw_path.split("/")


def decode_segments(raw_segments: Sequence[str]) -> list[str]:
    """Percent-decode each segment once; bytes that are not UTF-8 are the client's mistake."""
    decoded: list[str] = []
    for raw in raw_segments:
        if "%" not in raw:
            decoded.append(raw)
            continue
        try:
            decoded.append(unquote(raw, errors="strict"))
        except UnicodeDecodeError:
            raise InvalidArgumentError(
                f"the path segment {raw[:80]!r} is not valid UTF-8 once percent-decoded"
            ) from None
    return decoded
