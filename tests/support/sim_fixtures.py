"""pytest fixtures for the VirusTotal simulator: settings, a shared live server, state resets.

Loaded by `tests/conftest.py` (`pytest_plugins = ["tests.support.sim_fixtures", ...]`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette

from iocgate.sim import Corpus, Faults, SimSettings, SimState, create_app
from iocgate.sim.faults import QuietSimulatedResets
from tests.support.servers import run_server

__all__ = ["SimServer", "anyio_backend", "sim_server", "sim_settings", "sim_state_reset"]


@dataclass(frozen=True)
class SimServer:
    """A simulator listening on 127.0.0.1: `url` ends in `/api/v3`, `origin` does not."""

    url: str
    origin: str
    state: SimState
    corpus: Corpus
    app: Starlette


@pytest.fixture(scope="session")
def sim_settings() -> SimSettings:
    """The default simulator settings (demo keys, public quota 4/min and 500/day)."""
    return SimSettings()


@pytest.fixture(scope="session")
def sim_server(sim_settings: SimSettings) -> Iterator[SimServer]:
    """One simulator for the whole session; reset it with `sim_state_reset` where it matters."""
    app = create_app(sim_settings)
    quiet = QuietSimulatedResets()
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        with run_server(app) as origin:
            yield SimServer(
                url=f"{origin}/api/v3",
                origin=origin,
                state=app.state.sim,
                corpus=app.state.sim.corpus,
                app=app,
            )
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet)


@pytest.fixture
def sim_state_reset(sim_server: SimServer) -> Iterator[SimState]:
    """The shared simulator with an empty request log, fresh quotas and no faults (both ends)."""
    state = sim_server.state
    state.reset()
    state.faults = Faults()
    yield state
    state.reset()
    state.faults = Faults()


@pytest.fixture
def anyio_backend() -> str:
    """`@pytest.mark.anyio` tests run on asyncio."""
    return "asyncio"
