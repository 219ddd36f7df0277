"""Work on behalf of a REST client that stops when the client goes away.

uvicorn does not cancel an app when its client disconnects: without this, an upstream call
whose caller left holds its pooled connection (and its quota wait) to the end (issue #16).
Single flight hands a cancelled leader's call to a waiter, so cancelling never fails others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from starlette.types import Receive

__all__ = ["ClientGone", "unless_client_leaves"]

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected before its answer was ready; nothing is left to send."""


async def unless_client_leaves(receive: Receive, work: Callable[[], Awaitable[T]]) -> T:
    """``work()``'s outcome; cancelled (raising `ClientGone`) if the client disconnects first.

    Call it once the request body has been read: every message after that is a disconnect.
    """
    outcome: list[T] = []
    failure: list[Exception] = []  # raised outside the group: no ExceptionGroup wrapping
    async with anyio.create_task_group() as group:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            group.cancel_scope.cancel()

        group.start_soon(watch)
        try:
            outcome.append(await work())
        except Exception as exc:  # noqa: BLE001 - re-raised as is below
            failure.append(exc)
        group.cancel_scope.cancel()
    if failure:
        raise failure[0]
    if not outcome:
        raise ClientGone
    return outcome[0]
