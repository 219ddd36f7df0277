"""Single flight in one process: one call per key at a time, its outcome shared."""

from __future__ import annotations

import anyio
import pytest

from iocgate.engine.flight import SingleFlight

pytestmark = pytest.mark.anyio


async def test_concurrent_callers_of_one_key_share_one_call() -> None:
    flight: SingleFlight[str] = SingleFlight()
    calls = 0
    release = anyio.Event()
    outcomes: list[tuple[str, bool]] = []

    async def work() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "answer"

    async def caller() -> None:
        outcomes.append(await flight.run("k", work))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(caller)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert calls == 1
    assert sorted(outcomes) == [("answer", False)] * 4 + [("answer", True)]
    assert not flight.in_flight("k")


async def test_followers_receive_the_leaders_error() -> None:
    flight: SingleFlight[str] = SingleFlight()
    release = anyio.Event()
    errors: list[BaseException] = []

    async def work() -> str:
        await release.wait()
        raise LookupError("upstream said no")

    async def caller() -> None:
        try:
            await flight.run("k", work)
        except LookupError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(caller)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert len(errors) == 3


async def test_a_cancelled_leader_hands_the_call_to_a_follower() -> None:
    flight: SingleFlight[str] = SingleFlight()
    calls = 0
    outcomes: list[tuple[str, bool]] = []
    leader_scope = anyio.CancelScope()

    async def work() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep_forever()  # the leader's client goes away meanwhile
        return "second try"

    async def leader() -> None:
        with leader_scope:
            await flight.run("k", work)

    async def follower() -> None:
        outcomes.append(await flight.run("k", work))

    async with anyio.create_task_group() as group:
        group.start_soon(leader)
        await anyio.wait_all_tasks_blocked()
        group.start_soon(follower)
        await anyio.wait_all_tasks_blocked()
        leader_scope.cancel()
    assert outcomes == [("second try", True)]
    assert calls == 2
