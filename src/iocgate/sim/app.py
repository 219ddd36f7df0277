"""`create_app`: the simulator as one Starlette application."""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from iocgate.sim.control import control_routes
from iocgate.sim.corpus import build_corpus
from iocgate.sim.errors import error_response
from iocgate.sim.guard import ApiGuard
from iocgate.sim.limits import Clock
from iocgate.sim.routes import api_routes
from iocgate.sim.settings import SimSettings
from iocgate.sim.state import SimState
from iocgate.sim.storage import storage_download

__all__ = ["create_app"]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(
            "MethodNotAllowedError",
            f"Method {request.method} is not allowed for {request.url.path}",
            headers=exc.headers,
        )
    if exc.status_code == 404:
        return error_response("NotFoundError", "Resource not found.")
    return error_response("BadRequestError", str(exc.detail), status=exc.status_code)


def create_app(settings: SimSettings | None = None, *, clock: Clock | None = None) -> Starlette:
    """A fresh simulator: its own corpus, request log, faults and quota counters.

    `clock` (seconds since the epoch, default `time.time`) drives the quota windows, so
    tests can move time instead of waiting. The state is `app.state.sim` (a `SimState`).
    """
    settings = settings or SimSettings()
    state = SimState(settings, build_corpus(settings.seed, settings.file_count), clock or time.time)
    app = Starlette(
        routes=[
            Mount("/api/v3", routes=api_routes()),
            Mount("/_sim", routes=control_routes()),
            Route("/_storage/{token}", storage_download, methods=["GET"]),
        ],
        middleware=[Middleware(ApiGuard, state=state)],
        exception_handlers={HTTPException: _http_error},
    )
    # VirusTotal answers 404 for a path with a stray slash; it does not redirect.
    app.router.redirect_slashes = False
    app.state.sim = state
    return app
