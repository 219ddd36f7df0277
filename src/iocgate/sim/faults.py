"""Fault injection for `/api/v3`: latency, error statuses, dropped connections, cut and slow bodies.

A dropped connection must look like one to a real client, not like a 500: uvicorn answers 500
when an app raises before starting a response, so `drop_connection` starts one that uvicorn
refuses to write (an invalid header) and then raises; uvicorn then closes the socket with
nothing sent, and the client sees "server disconnected without sending a response".
"""

from __future__ import annotations

import contextlib
import enum
import logging
from dataclasses import dataclass
from typing import NoReturn

import anyio
from starlette.types import Message, Send

from iocgate.sim.settings import Faults
from iocgate.sim.state import SimState

__all__ = [
    "BodyCut",
    "Fault",
    "FaultKind",
    "QuietSimulatedResets",
    "cutting_send",
    "draw_fault",
    "drop_connection",
    "throttled_send",
]


class FaultKind(enum.Enum):
    """What happens to one request."""

    NONE = "none"
    STATUS = "status"
    RESET = "reset"
    TRUNCATE = "truncate"


@dataclass(frozen=True, slots=True)
class Fault:
    """The fault drawn for one request (`status` only for `FaultKind.STATUS`)."""

    kind: FaultKind
    status: int = 0


class BodyCut(Exception):
    """Raised inside `send` to stop a response whose body was deliberately cut short."""


def draw_fault(state: SimState) -> Fault:
    """Decide this request's fault: `fail_next` first (exact), then the seeded rates."""
    faults: Faults = state.faults
    if faults.fail_next > 0:
        faults.fail_next -= 1
        if faults.fail_next_status == 0:
            return Fault(FaultKind.RESET)
        return Fault(FaultKind.STATUS, faults.fail_next_status)
    rates = (
        (faults.error_rate, Fault(FaultKind.STATUS, 503)),
        (faults.deadline_rate, Fault(FaultKind.STATUS, 504)),
        (faults.reset_rate, Fault(FaultKind.RESET)),
        (faults.truncate_rate, Fault(FaultKind.TRUNCATE)),
    )
    if not any(rate for rate, _ in rates):
        return Fault(FaultKind.NONE)
    # One draw per request keeps the sequence reproducible whatever the rates are.
    draw = state.fault_rng.random()
    threshold = 0.0
    for rate, fault in rates:
        threshold += rate
        if draw < threshold:
            return fault
    return Fault(FaultKind.NONE)


async def drop_connection(send: Send) -> NoReturn:
    """Abort the connection without a response (a "connection reset" to the client)."""
    with contextlib.suppress(Exception):
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [(b"x-sim-fault", b"reset\r\n")],
            }
        )
    raise ConnectionResetError(f"simulated connection reset ({_RESET_MARK})")


class QuietSimulatedResets(logging.Filter):
    """A log filter for the server's logger that drops tracebacks of injected resets."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (isinstance(error, ConnectionResetError) and _RESET_MARK in str(error))


_RESET_MARK = "iocgate sim fault"


def cutting_send(send: Send) -> Send:
    """A `send` that forwards only half of the promised body, then stops the response.

    Content-Length still promises the whole body, so the client sees a short read.
    """
    remaining = 0

    async def cut(message: Message) -> None:
        nonlocal remaining
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            promised = int(headers.get(b"content-length", b"0"))
            remaining = promised // 2
            await send(message)
            return
        if message["type"] == "http.response.body":
            body: bytes = message.get("body", b"")
            if len(body) >= remaining:
                if remaining:
                    await send(
                        {"type": "http.response.body", "body": body[:remaining], "more_body": True}
                    )
                # In-process transports need an end of body; uvicorn refuses it (short of its
                # Content-Length) and closes the connection, which is the point.
                with contextlib.suppress(RuntimeError):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                raise BodyCut
            remaining -= len(body)
        await send(message)

    return cut


def throttled_send(send: Send, bytes_per_second: float) -> Send:
    """A `send` that dribbles the body out at `bytes_per_second`."""
    step = max(1, int(bytes_per_second / 10))

    async def slow(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        for start in range(0, len(body), step):
            chunk = body[start : start + step]
            last = start + step >= len(body)
            await send({"type": "http.response.body", "body": chunk, "more_body": more or not last})
            await anyio.sleep(len(chunk) / bytes_per_second)
        if not body:
            await send(message)

    return slow
