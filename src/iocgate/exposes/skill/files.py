"""A skill's files: its ``location`` directory listed, one file served, or all as a zip."""

from __future__ import annotations

import io
import mimetypes
import zipfile
from pathlib import Path

from iocgate.capability import location_path

__all__ = ["SkillFileError", "list_files", "location_dir", "read_file", "zip_dir"]

#: The most a skill directory's zip may hold: skills are instructions, not data sets.
MAX_ZIP_BYTES = 32 * 1024 * 1024


class SkillFileError(Exception):
    """A file request that cannot be served; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def location_dir(location: str | None, name: str, base: Path | None) -> Path:
    """The directory a ``file://`` location names (relative ones against the capability's)."""
    if location is None:
        raise SkillFileError(404, f"skill {name!r} declares no `location` holding files")
    if location.partition(":")[0] not in ("file", location):
        raise SkillFileError(404, f"skill {name!r}: only file:// locations are served")
    path = location_path(location, base)
    if not path.is_dir():
        raise SkillFileError(404, f"the location directory of skill {name!r} does not exist")
    return path.resolve()


def _media_type(path: Path) -> str:
    if path.suffix.lower() == ".md":
        return "text/markdown"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def list_files(root: Path) -> list[dict[str, object]]:
    """Every regular file under ``root``: relative path, size and media type, sorted."""
    return [
        {"path": f.relative_to(root).as_posix(), "size": f.stat().st_size, "type": _media_type(f)}
        for f in sorted(root.rglob("*"))
        if f.is_file() and f.resolve().is_relative_to(root)
    ]


def read_file(root: Path, relative: str) -> tuple[Path, str]:
    """The file ``relative`` names under ``root`` and its media type; never outside ``root``."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise SkillFileError(400, f"{relative!r} points outside the skill's directory")
    if not candidate.is_file():
        raise SkillFileError(404, f"no file {relative!r} in the skill's directory")
    return candidate, _media_type(candidate)


def zip_dir(root: Path) -> bytes:
    """The skill's directory as one zip archive (bounded by ``MAX_ZIP_BYTES``)."""
    total = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in list_files(root):
            total += int(str(entry["size"]))
            if total > MAX_ZIP_BYTES:
                raise SkillFileError(413, "the skill's directory is too large to download")
            archive.write(root / str(entry["path"]), str(entry["path"]))
    return buffer.getvalue()
