"""The console page: the HTML shell with its data islands and the headers that lock it down.

The shell carries no sandbox data: reports arrive later through ``fetch`` and are written into
the page with ``textContent`` only. What the server does inject (the demo hashes, whether a
token is needed) goes into ``<script type="application/json">`` islands, which browsers never
execute, with ``<``, ``>`` and ``&`` escaped so no value can close the element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from iocgate.virustotal.console.assets import AssetBundle

__all__ = ["CONTENT_SECURITY_POLICY", "DemoSample", "page_headers", "render_page"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""No inline script or style, nothing from another origin, no framing: a report string that
slips past the escaping still cannot run."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@dataclass(frozen=True, slots=True)
class DemoSample:
    """A simulator file the demo page offers to try: its corpus kind and its sha256."""

    kind: str
    sha256: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "sha256": self.sha256}


def demo_samples_from(pairs: Sequence[tuple[str, str]] | None) -> tuple[DemoSample, ...] | None:
    """Validated samples; None when the gateway is not in demo mode."""
    if pairs is None:
        return None
    samples = []
    for kind, sha256 in pairs:
        digest = sha256.strip().lower()
        if not _SHA256.match(digest):
            raise ValueError(f"demo sample {kind!r} is not a sha256: {sha256!r}")
        samples.append(DemoSample(kind=str(kind), sha256=digest))
    return tuple(samples)


def json_island(value: object) -> str:
    """JSON that is safe between ``<script type="application/json">`` tags."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).translate(_JSON_ESCAPES)


def render_page(
    bundle: AssetBundle, samples: tuple[DemoSample, ...] | None, *, auth_required: bool
) -> bytes:
    """The page with its asset links and data islands filled in."""
    config = {
        "version": bundle.version,
        "demo": samples is not None,
        "authRequired": auth_required,
    }
    html = (
        bundle.page.replace("{{ASSETS}}", bundle.base_path)
        .replace("{{CONFIG_JSON}}", json_island(config))
        .replace("{{SAMPLES_JSON}}", json_island([s.as_json() for s in samples or ()]))
    )
    return html.encode("utf-8")


def page_headers() -> dict[str, str]:
    """Headers of the page itself: the CSP, no sniffing, no referrer, always revalidated."""
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        # The page names the asset version: it must be revalidated so a new release is seen.
        "Cache-Control": "no-cache",
    }
