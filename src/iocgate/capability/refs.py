"""How a ``with`` value names an inbound argument: ``rest.X``, ``tools.X``, ``{{X}}``."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Reference", "parse_reference"]

_MUSTACHE = re.compile(r"^\{\{\s*([\w.$-]+)\s*\}\}$")
# `{x}`: the single-brace spelling of a reference, as in URI templates and the seed's paths
# (an MCP resource maps `with: {id: "{id}"}` from its `uri: "photos://{id}/bytes"`).
_BRACED = re.compile(r"^\{\s*([\w.$-]+)\s*\}$")


@dataclass(frozen=True, slots=True)
class Reference:
    """A ``with`` entry: either the inbound argument ``name`` or a ``constant``."""

    name: str | None
    constant: object = None

    @property
    def is_argument(self) -> bool:
        return self.name is not None


def parse_reference(raw: object, prefixes: tuple[str, ...]) -> Reference:
    """Read a ``with`` value written for an adapter known by ``prefixes``.

    ``prefixes`` holds the adapter's namespace and the generator's convention (``rest`` or
    ``tools``); ``$this.<ns>.X`` is the alpha1 spelling. Anything else is a literal.
    """
    if not isinstance(raw, str):
        return Reference(None, raw)
    text = raw.strip()
    match = _MUSTACHE.match(text) or _BRACED.match(text)
    if match:
        text = match.group(1)
        for prefix in prefixes:
            if text.startswith(prefix + "."):
                return Reference(text[len(prefix) + 1 :])
        return Reference(text)
    if text.startswith("$this."):
        text = text[len("$this.") :]
    for prefix in prefixes:
        if text.startswith(prefix + ".") and len(text) > len(prefix) + 1:
            return Reference(text[len(prefix) + 1 :])
    return Reference(None, raw)
