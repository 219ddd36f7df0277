"""The console's HTTP side without a browser: page headers, data islands, versioned assets."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from iocgate.engine import Engine
from iocgate.engine.extensions import routes_public
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.virustotal.console import CONTENT_SECURITY_POLICY, console_routes

SHA256 = "a" * 64


def _client(samples: Any = None, *, auth: bool = False) -> TestClient:
    # Synchronous on purpose: the browser tests' Playwright loop may be running in this thread.
    routes = tuple(console_routes(samples, auth_required=auth))
    app = create_rest_app(Engine([]), RestOptions(plugin_routes=routes))
    return TestClient(app, base_url="http://console")


def _island(html: str, element_id: str) -> Any:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    assert match is not None, element_id
    return json.loads(match.group(1))


def test_page_carries_the_policy_and_is_always_revalidated() -> None:
    with _client() as client:
        answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["x-frame-options"] == "DENY"


def test_demo_samples_are_a_json_data_island_that_cannot_close_its_element() -> None:
    hostile_kind = "</script><script>alert(1)</script>"
    with _client([("rich", SHA256.upper()), (hostile_kind, "b" * 64)]) as client:
        html = (client.get("/")).text
        endpoint = (client.get("/console/api/samples")).json()
    assert html.count("<script>") == 0
    samples = _island(html, "demo-samples")
    assert samples == [
        {"kind": "rich", "sha256": SHA256},
        {"kind": hostile_kind, "sha256": "b" * 64},
    ]
    assert endpoint == {"demo": True, "samples": samples}
    assert _island(html, "console-config")["demo"] is True


def test_outside_demo_mode_no_samples_are_offered_and_auth_is_announced() -> None:
    with _client(None, auth=True) as client:
        html = (client.get("/")).text
        endpoint = (client.get("/console/api/samples")).json()
    assert _island(html, "demo-samples") == []
    assert _island(html, "console-config") == {
        "version": _island(html, "console-config")["version"],
        "demo": False,
        "authRequired": True,
    }
    assert endpoint == {"demo": False, "samples": []}


def test_a_demo_sample_that_is_not_a_sha256_is_refused() -> None:
    with pytest.raises(ValueError, match="not a sha256"):
        console_routes([("rich", "not-a-hash")], auth_required=False)


def test_assets_are_versioned_cached_for_a_year_and_gzipped() -> None:
    with _client() as client:
        html = (client.get("/")).text
        paths = re.findall(r'(?:src|href)="(/console/static/[0-9a-f]{16}/[a-z.]+)"', html)
        assert {p.rsplit("/", 1)[1] for p in paths} == {"favicon.svg", "console.css", "console.js"}
        script = next(p for p in paths if p.endswith("console.js"))
        plain = client.get(script, headers={"Accept-Encoding": "identity"})
        zipped = client.get(script, headers={"Accept-Encoding": "gzip"})
        again = client.get(script, headers={"If-None-Match": plain.headers["etag"]})
        stale = client.get(script.replace(script.split("/")[3], "0" * 16))
        missing = client.get(script.replace("console.js", "nope.js"))
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript")
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes; the bytes are the same file
    assert len(gzip.compress(plain.content)) < len(plain.content)
    assert again.status_code == 304
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert missing.status_code == 404


def test_no_script_of_the_console_writes_html_from_data() -> None:
    with _client() as client:
        html = (client.get("/")).text
        base = re.search(r"/console/static/[0-9a-f]{16}/", html)
        assert base is not None
        names = ("console.js", "dom.js", "view.js", "matrix.js", "tree.js", "indicators.js")
        sources = [(client.get(base.group(0) + name)).text for name in names]
    for source in sources:
        assert not re.search(r"\.(inner|outer)HTML\s*=", source)
        assert not re.search(r"insertAdjacentHTML|document\.write|\beval\(|new Function", source)


def test_every_public_path_is_a_console_route_that_needs_no_data() -> None:
    PUBLIC_PATHS, PUBLIC_PREFIXES = routes_public(console_routes(None, auth_required=False))
    with _client([("rich", SHA256)]) as client:
        html = client.get("/").text
        asset = re.search(r"/console/static/[0-9a-f]{16}/console\.css", html)
        assert asset is not None and asset.group(0).startswith(PUBLIC_PREFIXES)
        answers = [client.get(path, follow_redirects=False) for path in PUBLIC_PATHS]
        assert client.get(asset.group(0)).status_code == 200
    assert [a.status_code for a in answers] == [200, 308, 308, 200]
