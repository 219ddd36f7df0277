"""Serve the REST app with the analyst console on the demo simulator, in its own process.

    python -m tests.support.console_app [--port P] [--quota SPEC] [--auth-token T]

prints ``PORT <n>`` once it listens on 127.0.0.1, then serves until killed. It stands in for
``iocgate serve --demo`` until the console is wired there: the same gateway composition
(`open_gateway` in demo mode: simulator in-process, SQLite cache and quota under
``$XDG_CACHE_HOME``), the REST app with ``console_routes`` and the investigation's routes.

The investigation's routes (`iocgate.virustotal.routes`) serve the brief, its exports and its
plan; both they and the console's are plugin routes the REST adapter renders.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys

import anyio
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from iocgate.engine.extensions import routes_public
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.gateway import open_gateway
from iocgate.settings import load_settings
from iocgate.virustotal.console import console_routes
from iocgate.virustotal.routes import investigation_routes

__all__ = ["main"]


class _BearerAuth:
    """A minimal inbound-token check for the console's auth tests (the real one is elsewhere).

    The console's public paths and the probes stay open, as the gateway's must: a browser
    cannot attach a token to a page load.
    """

    def __init__(self, app: ASGIApp, token: str, public: tuple[tuple[str, ...], ...]) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        paths, prefixes = public
        self.open_paths = (*paths, "/healthz", "/readyz")
        self.open_prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or path in self.open_paths
            or path.startswith(self.open_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"authorization")
        if sent == self.expected:
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "error": {
                    "code": "AuthenticationRequiredError",
                    "message": "a bearer token is needed",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b"Bearer"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def serve(port: int, quota: str | None, token: str | None) -> None:
    settings = load_settings({"demo": True, "quota": quota})
    async with open_gateway(settings) as gateway:
        assert gateway.demo is not None
        samples = list(gateway.demo.samples)
        hostile = gateway.demo.state.corpus.pick("hostile").sha256
        samples.append(("hostile", hostile))
        routes = (
            *investigation_routes(gateway.engine),
            *console_routes(samples, auth_required=token is not None),
        )
        app: ASGIApp = create_rest_app(gateway.engine, RestOptions(demo=True, plugin_routes=routes))
        if token is not None:
            app = _BearerAuth(app, token, routes_public(routes))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        print(f"PORT {sock.getsockname()[1]}", flush=True)  # noqa: T201 - the parent reads it
        await uvicorn.Server(config).serve([sock])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota", default=None)
    parser.add_argument("--auth-token", default=os.environ.get("CONSOLE_TEST_TOKEN"))
    args = parser.parse_args(argv)
    anyio.run(serve, args.port, args.quota, args.auth_token)


if __name__ == "__main__":
    main(sys.argv[1:])
