"""`create_control_app`: the management endpoints a control adapter declares, and no others.

``management.health`` (default on): ``/health/live`` and ``/health/ready``; ``management.info``:
``/status``; ``management.logs``: ``/logs`` and, with level control, ``PUT /logs/level``;
``observability`` (default on, ``enabled: false`` turns it off): ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from iocgate.capability import Capability
from iocgate.capability.model import ExposesControl
from iocgate.errors import code_for_status, error_body

__all__ = ["ControlOptions", "create_control_app"]

LOG_LEVELS = ("debug", "info", "warning", "error")
_STARTED = time.monotonic()


@dataclass(frozen=True)
class ControlOptions:
    """What the control app reports on: the adapters served, metrics, the logger it governs."""

    #: each served adapter as {type, namespace?, port, state}; called on every request
    adapters: Callable[[], Sequence[dict[str, Any]]] = list
    metrics: BaseRoute | None = None
    version: str = ""
    logger: str = "iocgate"


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse(error_body(code, message), status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail
    if exc.status_code == 404:
        message = "the control adapter does not serve this path (see docs/adapters.md)"
    return _error(exc.status_code, code_for_status(exc.status_code), message)


def _uptime() -> str:
    """Seconds since start as an ISO 8601 duration (``PT12.5S``), as the reference says it."""
    return f"PT{time.monotonic() - _STARTED:.1f}S"


def _observability_on(observability: dict[str, Any]) -> bool:
    if observability.get("enabled") is False:
        return False
    local = (observability.get("metrics") or {}).get("local") or {}
    return local.get("enabled") is not False


def create_control_app(
    capability: Capability, adapter: ExposesControl, options: ControlOptions
) -> Starlette:
    """The control endpoints ``adapter`` declares for ``capability``."""
    management = adapter.management
    logs = management.get("logs")
    level_control = bool(logs) and (not isinstance(logs, dict) or logs.get("levelControl", True))
    logger = logging.getLogger(options.logger)

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "UP"})

    async def ready(request: Request) -> Response:
        adapters = list(options.adapters())
        up = all(a["state"] == "started" for a in adapters if a["type"] != "control")
        body = {"status": "UP" if up else "DEGRADED", "adapters": adapters}
        return JSONResponse(body, 200 if up else 503)

    async def status(request: Request) -> Response:
        return JSONResponse({
            "capability": {"display": capability.label,
                           "specVersion": capability.document.spec_version},
            "engine": {"name": "iocgate", "version": options.version,
                       "python": platform.python_version()},
            "uptime": _uptime(),
            "adapters": list(options.adapters()),
        })  # fmt: skip

    async def show_logs(request: Request) -> Response:
        level = logging.getLevelName(logger.getEffectiveLevel()).lower()
        body = {"logger": options.logger, "level": level, "levels": list(LOG_LEVELS),
                "levelControl": level_control}  # fmt: skip
        return JSONResponse(body)

    async def set_level(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        level = body.get("level") if isinstance(body, dict) else None
        if not isinstance(level, str) or level.lower() not in LOG_LEVELS:
            return _error(400, "BadRequestError",
                          f'send {{"level": one of {", ".join(LOG_LEVELS)}}}')  # fmt: skip
        logger.setLevel(level.upper())
        return JSONResponse({"logger": options.logger, "level": level.lower()})

    routes: list[BaseRoute] = []
    if management.get("health", True):
        routes += [Route("/health/live", live), Route("/health/ready", ready)]
    if management.get("info", False):
        routes.append(Route("/status", status))
    if logs:
        routes.append(Route("/logs", show_logs))
        if level_control:
            routes.append(Route("/logs/level", set_level, methods=["PUT", "POST"]))
    if options.metrics is not None and _observability_on(adapter.observability):
        routes.append(options.metrics)
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
