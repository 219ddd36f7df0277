"""Helpers for the resilience unit tests: a settable clock and the simulator in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from iocgate.capability import Capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability, Plugins, RetryPolicy, UpstreamClient
from iocgate.sim import SimSettings, SimState, create_app
from iocgate.virustotal import VirusTotalPlugin

SIM_BASE = "http://sim.test/api/v3"


class FakeClock:
    """Wall-clock seconds that only move when a test (or a fake sleep) moves them."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim_app() -> Starlette:
    """A fresh in-process simulator (no sockets) with the demo keys."""
    return create_app(SimSettings())


@pytest.fixture
def sim(sim_app: Starlette) -> SimState:
    state: SimState = sim_app.state.sim
    return state


EngineOnSim = Callable[..., Any]


def loaded_seed(capability: Capability, key: str, base_uri: str = SIM_BASE) -> LoadedCapability:
    """The seed capability bound to ``key``, calling ``base_uri``, with the VirusTotal layer."""
    binds = resolve_binds(
        capability.binds, capability_file=capability.name, environ={"VIRUSTOTAL_API_KEY": key}
    )
    return LoadedCapability(capability, binds, Plugins([VirusTotalPlugin()]), base_uri=base_uri)


@pytest.fixture
def engine_on_sim(seed_capability: Capability, sim_app: Starlette) -> EngineOnSim:
    """`async with engine_on_sim(key, cache=..., ...) as engine:` talking to `sim_app` in-process.

    Retries are off unless ``retry=`` is given.
    """

    @asynccontextmanager
    async def factory(key: str, **engine_args: Any) -> AsyncIterator[Engine]:
        engine_args.setdefault("upstream", UpstreamClient(transport=httpx.ASGITransport(sim_app)))
        engine_args.setdefault("retry", RetryPolicy.disabled())
        engine = Engine([loaded_seed(seed_capability, key)], **engine_args)
        try:
            yield engine
        finally:
            await engine.aclose()

    return factory
