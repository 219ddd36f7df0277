"""JSON responses the way VirusTotal sends them, and the absolute API base used in `links`."""

from __future__ import annotations

import gzip
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["api_base", "json_response", "origin"]

_GZIP_MIN_BYTES = 1024


def origin(request: Request) -> str:
    """`scheme://host[:port]` as the client addressed this simulator (from the Host header)."""
    return str(request.base_url).rstrip("/")


def api_base(request: Request) -> str:
    """The absolute `/api/v3` base for `links` (settings.base_url wins when set)."""
    configured: str | None = request.app.state.sim.settings.base_url
    return configured.rstrip("/") if configured else origin(request) + "/api/v3"


def json_response(request: Request, payload: Any, status: int = 200) -> Response:
    """Compact UTF-8 JSON; gzip only when asked *and* the User-Agent says "gzip".

    That is AppEngine's rule, which VirusTotal's front end follows (vt-py and vt-go put
    "gzip" in their User-Agent for this reason; vt-api.md §2).
    """
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers: dict[str, str] = {}
    if (
        request.app.state.sim.settings.gzip_json
        and len(body) >= _GZIP_MIN_BYTES
        and "gzip" in request.headers.get("accept-encoding", "").lower()
        and "gzip" in request.headers.get("user-agent", "").lower()
    ):
        body = gzip.compress(body, compresslevel=5, mtime=0)
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, status_code=status, headers=headers, media_type="application/json")
