"""``/healthz`` (the process answers) and ``/readyz`` (it can serve the capability's routes).

Ready means: at least one capability is loaded and every variable its ``binds`` declare (the
upstream key) has a value, or the gateway runs in demo mode; plus whatever ``RestOptions.ready``
reports. Not ready is a 503 whose ``reasons`` say what is missing. ``stores`` says how the cache
and the quota store fare: a ``degraded`` store does not make the gateway unready (it serves
from the upstream within the quota), but ``warnings`` name it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iocgate.engine import Engine

__all__ = ["health_routes", "readiness"]

log = logging.getLogger("iocgate.rest")

_HEALTHY = json.dumps({"status": "ok"}).encode()


def _public_name(name: str) -> str:
    """A capability's file name without its directory: a probe need not learn the layout of
    the host's file system."""
    return PurePath(name).name or name


def readiness(
    engine: Engine, *, demo: bool, ready: Callable[[], dict[str, Any]] | None
) -> tuple[bool, dict[str, Any]]:
    """Whether the gateway is ready, and the body that says why (or why not)."""
    reasons: list[str] = []
    if not engine.capabilities:
        reasons.append("no capability is loaded")
    for loaded in engine.capabilities:
        capability = loaded.capability
        name = _public_name(capability.name)
        if capability.rest is None or not capability.rest.routes:
            reasons.append(f"capability {name} exposes no REST route")
        if demo:
            continue
        reasons.extend(
            f"variable {variable} of capability {name} is not set"
            for binding in capability.binds
            for variable in binding.keys
            if not loaded.binds.get(variable)
        )
    body: dict[str, Any] = {
        "capabilities": [_public_name(loaded.capability.name) for loaded in engine.capabilities],
        "demo": demo,
    }
    if ready is not None:
        try:
            extra = ready()
        except Exception as exc:  # noqa: BLE001 - a failing probe means "not ready", not a 500
            log.warning("readiness probe failed: %s", engine.redact(str(exc)))
            extra = {"ready": False, "reason": f"readiness probe failed ({type(exc).__name__})"}
        if extra.get("ready") is False:
            reasons.append(str(extra.get("reason", "a readiness probe says not ready")))
        body["details"] = {k: v for k, v in extra.items() if k not in ("ready", "reason")}
    is_ready = not reasons
    body = {"status": "ready" if is_ready else "not ready", **body}
    if reasons:
        body["reasons"] = reasons
    return is_ready, body


def health_routes(
    engine: Engine, *, demo: bool, ready: Callable[[], dict[str, Any]] | None
) -> list[Route]:
    """The two probe routes."""

    async def healthz(request: Request) -> Response:
        return Response(_HEALTHY, media_type="application/json")

    async def readyz(request: Request) -> Response:
        is_ready, body = readiness(engine, demo=demo, ready=ready)
        stores = await engine.stores()
        if stores:
            body["stores"] = stores
            degraded = [name for name, report in stores.items() if report["state"] != "ok"]
            if degraded:
                body["warnings"] = [
                    f"the {name} store fails ({stores[name].get('last_error')}); serving without it"
                    for name in degraded
                ]
        return Response(
            json.dumps(body, default=str).encode(),
            200 if is_ready else 503,
            media_type="application/json",
        )

    return [
        Route("/healthz", healthz, methods=["GET"], name="healthz"),
        Route("/readyz", readyz, methods=["GET"], name="readyz"),
    ]
