"""`console_routes`: the page at ``/``, its static assets and the demo-samples endpoint.

None of these routes touches VirusTotal or the quota, and none carries report data, so they
need no token: the browser cannot attach one when it loads a page or its scripts. The page asks
for the token itself and sends it on the ``fetch`` calls that do reach data.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from iocgate.errors import NotFoundError
from iocgate.virustotal.console.assets import Asset, AssetBundle, load_assets
from iocgate.virustotal.console.page import demo_samples_from, page_headers, render_page

__all__ = ["PUBLIC_PATHS", "PUBLIC_PREFIXES", "console_routes"]

_IMMUTABLE = "public, max-age=31536000, immutable"

PUBLIC_PATHS: tuple[str, ...] = ("/", "/console", "/console/", "/console/api/samples")
"""Console paths that inbound authentication must let through: they carry no report data, and
a browser cannot attach a bearer token to a page load or to the page's own scripts."""

PUBLIC_PREFIXES: tuple[str, ...] = ("/console/static/",)
"""Path prefixes to let through likewise (the versioned static assets)."""


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _asset_response(request: Request, asset: Asset, *, current: bool) -> Response:
    headers = {
        "ETag": asset.etag,
        # A stale version in the path (a page from before an upgrade) still gets today's file,
        # but must not be cached for a year under the old name.
        "Cache-Control": _IMMUTABLE if current else "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _not_found(message: str) -> Response:
    return JSONResponse(NotFoundError(message).to_body(), 404)


def console_routes(
    demo_samples: Sequence[tuple[str, str]] | None,
    auth_required: bool,
    *,
    bundle: AssetBundle | None = None,
) -> list[BaseRoute]:
    """The console's routes, to mount on the REST app (``RestOptions.extra_routes``).

    ``demo_samples`` are ``(kind, sha256)`` pairs the page offers to try; None outside demo mode.
    With ``auth_required`` the page asks for a bearer token before it fetches anything.
    """
    assets = bundle or load_assets()
    samples = demo_samples_from(demo_samples)
    page = render_page(assets, samples, auth_required=auth_required)
    samples_body = {
        "demo": samples is not None,
        "samples": [sample.as_json() for sample in samples or ()],
    }

    async def console_page(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=page_headers())

    async def console_redirect(request: Request) -> Response:
        return RedirectResponse("/", status_code=308)

    async def static_asset(request: Request) -> Response:
        asset = assets.assets.get(request.path_params["name"])
        if asset is None:
            return _not_found("no such console asset")
        return _asset_response(
            request, asset, current=request.path_params["version"] == assets.version
        )

    async def samples_endpoint(request: Request) -> Response:
        return JSONResponse(samples_body, headers={"Cache-Control": "no-cache"})

    return [
        Route("/", console_page, methods=["GET"], name="console"),
        Route("/console", console_redirect, methods=["GET"], name="console-redirect"),
        Route("/console/", console_redirect, methods=["GET"], name="console-redirect-slash"),
        Route(
            "/console/static/{version}/{name}",
            static_asset,
            methods=["GET"],
            name="console-static",
        ),
        Route("/console/api/samples", samples_endpoint, methods=["GET"], name="console-samples"),
    ]
