"""`console_routes`: the page at ``/``, its static assets and the demo-samples endpoint.

None of these routes touches VirusTotal or the quota, and none carries report data, so they
need no token: the browser cannot attach one when it loads a page or its scripts. The page asks
for the token itself and sends it on the ``fetch`` calls that do reach data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from iocgate.engine import Caller, PluginResponse, PluginRoute
from iocgate.errors import NotFoundError
from iocgate.virustotal.console.assets import Asset, AssetBundle, load_assets
from iocgate.virustotal.console.page import demo_samples_from, page_headers, render_page

__all__ = ["console_routes"]

_IMMUTABLE = "public, max-age=31536000, immutable"


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _asset_response(arguments: Mapping[str, str], asset: Asset, *, current: bool) -> PluginResponse:
    headers = {
        "ETag": asset.etag,
        # A stale version in the path (a page from before an upgrade) still gets today's file,
        # but must not be cached for a year under the old name.
        "Cache-Control": _IMMUTABLE if current else "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if arguments.get("if-none-match") == asset.etag:
        return PluginResponse(media_type=None, status=304, headers=headers)
    if _accepts_gzip(arguments.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        return PluginResponse(asset.gzipped, media_type=asset.media_type, headers=headers)
    return PluginResponse(asset.body, media_type=asset.media_type, headers=headers)


def console_routes(
    demo_samples: Sequence[tuple[str, str]] | None,
    auth_required: bool,
    *,
    bundle: AssetBundle | None = None,
) -> list[PluginRoute]:
    """The console's routes, which the VirusTotal plugin adds to the REST port.

    ``demo_samples`` are ``(kind, sha256)`` pairs the page offers to try; None outside demo mode.
    With ``auth_required`` the page asks for a bearer token before it fetches anything. Every
    route is public (`PluginRoute.public`): none carries report data, and a browser cannot
    attach a bearer token to a page load or to the page's own scripts.
    """
    assets = bundle or load_assets()
    samples = demo_samples_from(demo_samples)
    page = render_page(assets, samples, auth_required=auth_required)
    samples_body = {
        "demo": samples is not None,
        "samples": [sample.as_json() for sample in samples or ()],
    }

    async def console_page(arguments: Mapping[str, str], caller: Caller) -> PluginResponse:
        return PluginResponse(page, media_type="text/html; charset=utf-8", headers=page_headers())

    async def console_redirect(arguments: Mapping[str, str], caller: Caller) -> PluginResponse:
        return PluginResponse(media_type=None, status=308, headers={"Location": "/"})

    async def static_asset(arguments: Mapping[str, str], caller: Caller) -> PluginResponse:
        asset = assets.assets.get(arguments["name"])
        if asset is None:
            raise NotFoundError("no such console asset")
        return _asset_response(arguments, asset, current=arguments["version"] == assets.version)

    async def samples_endpoint(arguments: Mapping[str, str], caller: Caller) -> PluginResponse:
        return PluginResponse(samples_body, headers={"Cache-Control": "no-cache"})

    return [
        # The page's script reads its own query (``?q=<hash>``): any query is accepted here.
        PluginRoute("/", console_page, name="console", query=None, public=True),
        PluginRoute("/console", console_redirect, name="console-redirect", query=None, public=True),
        PluginRoute(
            "/console/", console_redirect, name="console-redirect-slash", query=None, public=True
        ),
        PluginRoute(
            "/console/static/{version}/{name}",
            static_asset,
            name="console-static",
            query=None,
            headers=("if-none-match", "accept-encoding"),
            public=True,
        ),
        PluginRoute(
            "/console/api/samples",
            samples_endpoint,
            name="console-samples",
            query=None,
            public=True,
        ),
    ]
