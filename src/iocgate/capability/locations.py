"""A ``location`` the spec writes as a ``file://`` URI (or a plain path), as a local path."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["location_path"]


def location_path(location: str, base: Path | None) -> Path:
    """The path ``location`` names; a relative one (``file:///./x`` reads as ``./x``, as the
    reference engine does) is taken against ``base``, the capability file's directory."""
    parsed = urlparse(location)
    raw = unquote(parsed.netloc + parsed.path) if parsed.scheme == "file" else location
    if raw.startswith(("/./", "/../")):
        raw = raw[1:]
    path = Path(raw)
    return base / path if not path.is_absolute() and base is not None else path
