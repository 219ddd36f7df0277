"""Live fixtures for the resilience tests: simulators with a short quota window, Redis."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import stamina

from iocgate.capability import Capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability, Plugins, RetryPolicy
from iocgate.sim import SimSettings, SimState, create_app
from iocgate.virustotal import VirusTotalPlugin
from tests.support.redis_server import redis_server  # noqa: F401 - a fixture
from tests.support.servers import run_server

#: The simulator's and the gateway's shortened "minute" in these tests.
WINDOW_SECONDS = 1.0
#: The gateway's pacing margin for that window. A first call pays for a new connection and
#: the simulator answers one request at a time, so arrivals trail sends by up to a few
#: hundred ms here; against VirusTotal the default margin is 1 s per 60 s window.
MARGIN_SECONDS = 0.5


@dataclass(frozen=True)
class LiveSim:
    url: str  # ends in /api/v3
    state: SimState


@pytest.fixture
def live_sim() -> Iterator[LiveSim]:
    """A simulator on a real port whose public key allows 4 calls per 1 s window."""
    settings = SimSettings(public_per_minute=4, minute_window_seconds=WINDOW_SECONDS)
    app = create_app(settings)
    with run_server(app) as origin:
        yield LiveSim(f"{origin}/api/v3", app.state.sim)


@pytest.fixture
def no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture
def redis_prefix() -> str:
    """Keys of one test, apart from every other test's."""
    return f"iocgate-test-{uuid.uuid4().hex[:12]}:"


LiveEngine = Callable[..., Any]


@pytest.fixture
def live_engine(seed_capability: Capability) -> LiveEngine:
    """`async with live_engine(url, key, **engine_args) as engine:` (retries off unless given)."""

    @asynccontextmanager
    async def factory(url: str, key: str, **engine_args: Any) -> AsyncIterator[Engine]:
        binds = resolve_binds(
            seed_capability.binds,
            capability_file=seed_capability.name,
            environ={"VIRUSTOTAL_API_KEY": key},
        )
        loaded = LoadedCapability(
            seed_capability, binds, Plugins([VirusTotalPlugin()]), base_uri=url
        )
        engine_args.setdefault("retry", RetryPolicy.disabled())
        engine = Engine([loaded], **engine_args)
        try:
            yield engine
        finally:
            with contextlib.suppress(Exception):
                await engine.aclose()

    return factory
