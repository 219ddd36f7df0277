"""The console's static files: read once, versioned by content, served with long cache headers.

Every asset lives under ``/console/static/<version>/<name>``, where the version is a digest of
all the files together. Putting the version in the path (rather than a query string) keeps the
ES modules' relative imports (``import ... from "./dom.js"``) on the same version, so a browser
never mixes one release's ``console.js`` with another's ``dom.js`` and can cache each for a year.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["STATIC_DIR", "Asset", "AssetBundle", "load_assets"]

STATIC_DIR = Path(__file__).parent / "static"

_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}
# The page itself is rendered per request (it carries the version and the data islands); only
# the files it links to are assets.
_PAGE = "index.html"


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file, with its gzipped twin and its ETag."""

    name: str
    media_type: str
    body: bytes
    gzipped: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class AssetBundle:
    """The page template and every asset, under one content version."""

    page: str
    assets: dict[str, Asset]
    version: str

    @property
    def base_path(self) -> str:
        """Where the page links its assets: ``/console/static/<version>``."""
        return f"/console/static/{self.version}"


def load_assets(directory: Path = STATIC_DIR) -> AssetBundle:
    """Read the page template and the assets of ``directory``; fail loudly if one is missing."""
    page = (directory / _PAGE).read_text(encoding="utf-8")
    assets: dict[str, Asset] = {}
    version_digest = hashlib.sha256(page.encode())
    for path in sorted(directory.iterdir()):
        if path.name == _PAGE or path.suffix not in _MEDIA_TYPES or not path.is_file():
            continue
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        version_digest.update(path.name.encode() + b"\0" + digest.encode())
        assets[path.name] = Asset(
            name=path.name,
            media_type=_MEDIA_TYPES[path.suffix],
            body=body,
            # mtime=0: the same file always compresses to the same bytes.
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            etag=f'"{digest[:32]}"',
        )
    return AssetBundle(page=page, assets=assets, version=version_digest.hexdigest()[:16])
