"""The control routes under `/_sim` (no key needed): faults, the request log, the corpus."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from iocgate.sim.errors import error_response
from iocgate.sim.settings import Faults
from iocgate.sim.state import SimState

__all__ = ["control_routes", "validated_faults"]

_RATES = ("error_rate", "deadline_rate", "reset_rate", "truncate_rate")


def _state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def validated_faults(current: Faults, changes: dict[str, Any]) -> Faults:
    """`current` with `changes` applied; raises ValueError naming the first bad field."""
    fields = {field.name: field for field in dataclasses.fields(Faults)}
    for name, value in changes.items():
        if name not in fields:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(fields)}")
        if name == "slow_body_bytes_per_second" and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if name in _RATES and not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
        if name in ("fail_next", "fail_next_status") and not isinstance(value, int):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if value < 0 or (name == "slow_body_bytes_per_second" and value == 0):
            raise ValueError(f"{name} must be positive, got {value!r}")
        if name == "fail_next_status" and value != 0 and not 200 <= value <= 599:
            raise ValueError(f"fail_next_status must be 0 (drop) or an HTTP status, got {value!r}")
    return dataclasses.replace(current, **changes)


async def get_faults(request: Request) -> Response:
    """`GET /_sim/faults`: the faults in force."""
    return JSONResponse(dataclasses.asdict(_state(request).faults))


async def put_faults(request: Request) -> Response:
    """`PUT /_sim/faults`: change some faults (a partial JSON object); answers the new set."""
    state = _state(request)
    try:
        changes = json.loads(await request.body() or b"{}")
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object")
        state.faults = validated_faults(state.faults, changes)
    except ValueError as error:
        return error_response("InvalidArgumentError", str(error))
    return JSONResponse(dataclasses.asdict(state.faults))


async def get_requests(request: Request) -> Response:
    """`GET /_sim/requests[?path_prefix=…]`: the request log and its length."""
    matching = _state(request).matching(request.query_params.get("path_prefix"))
    return JSONResponse(
        {"count": len(matching), "requests": [dataclasses.asdict(entry) for entry in matching]}
    )


async def delete_requests(request: Request) -> Response:
    """`DELETE /_sim/requests`: clear the log and the quota counters."""
    state = _state(request)
    cleared = len(state.requests)
    state.reset()
    return JSONResponse({"cleared": cleared})


async def get_corpus(request: Request) -> Response:
    """`GET /_sim/corpus`: `Corpus.describe()`."""
    return JSONResponse(_state(request).corpus.describe())


def control_routes() -> list[BaseRoute]:
    """Routes mounted under `/_sim`."""
    return [
        Route("/faults", get_faults, methods=["GET"]),
        Route("/faults", put_faults, methods=["PUT", "PATCH"]),
        Route("/requests", get_requests, methods=["GET"]),
        Route("/requests", delete_requests, methods=["DELETE"]),
        Route("/corpus", get_corpus, methods=["GET"]),
    ]
