"""``/openapi.json`` and ``/docs``: the API description and a Swagger UI that works offline.

Swagger UI's assets come from the ``swagger_ui_bundle`` package, served under ``/docs/static``;
the page loads nothing from the network (its online validator badge is turned off).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from iocgate.exposes.rest.openapi import for_swagger_ui

__all__ = ["docs_routes"]

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} - API docs</title>
  <link rel="stylesheet" href="{root}/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="{root}/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{root}/docs/static/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{root}/docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }});
  </script>
</body>
</html>
"""


def docs_routes(document: dict[str, Any]) -> list[BaseRoute]:
    """Routes for the document (serialised once, here) and its Swagger UI page."""
    openapi = json.dumps(document).encode()
    swagger_openapi = for_swagger_ui(document)
    title = str(document.get("info", {}).get("title", "API")).replace("<", "&lt;")

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    async def swagger_json(request: Request) -> Response:
        return Response(swagger_openapi, media_type="application/json")

    async def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "").rstrip("/")
        return HTMLResponse(_PAGE.format(title=title, root=root))

    return [
        Route("/openapi.json", openapi_json, methods=["GET"], name="openapi"),
        Route("/docs", docs, methods=["GET"], name="docs"),
        Route("/docs/openapi.json", swagger_json, methods=["GET"], name="docs-openapi"),
        Mount(
            "/docs/static",
            app=StaticFiles(directory=Path(str(swagger_ui_bundle.swagger_ui_path))),
            name="docs-static",
        ),
    ]
