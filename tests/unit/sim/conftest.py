"""Fixtures for the simulator's unit tests: a fresh app per test, driven in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from iocgate.sim import DEMO_PRIVILEGED_KEY, SimSettings, SimState, create_app


@pytest.fixture
def sim_app() -> Starlette:
    """A new simulator with default settings (its own log, quotas and faults)."""
    return create_app(SimSettings(memdump_size=1024 * 1024))


@pytest.fixture
def state(sim_app: Starlette) -> SimState:
    sim_state: SimState = sim_app.state.sim
    return sim_state


@pytest.fixture
async def client(sim_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client (no sockets) that sends the privileged demo key."""
    transport = httpx.ASGITransport(app=sim_app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://sim.test",
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    ) as http:
        yield http
