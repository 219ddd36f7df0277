"""Fixtures for the investigation unit tests: one in-process simulator and briefs built on it."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from starlette.applications import Starlette

from iocgate.sim import SimSettings, SimState, create_app
from iocgate.virustotal.investigate import Brief, investigate
from tests.unit.investigate.investigate_support import sim_engine


@pytest.fixture(scope="session")
def investigation_sim() -> Starlette:
    """The simulator app (default corpus and keys), shared by the investigation unit tests."""
    return create_app(SimSettings())


@pytest.fixture
def sim_state(investigation_sim: Starlette) -> Iterator[SimState]:
    """The shared simulator's state with an empty request log."""
    state: SimState = investigation_sim.state.sim
    state.reset()
    yield state
    state.reset()


@pytest.fixture(scope="session")
def briefs(investigation_sim: Starlette) -> dict[str, Brief]:
    """One brief per corpus kind, each investigated once through a fresh engine."""

    async def build() -> dict[str, Brief]:
        engine = sim_engine(investigation_sim)
        corpus = investigation_sim.state.sim.corpus
        try:
            return {
                kind: await investigate(engine, corpus.pick(kind).sha256)
                for kind in ("rich", "poor", "none", "hostile", "huge", "linux")
            }
        finally:
            await engine.aclose()

    return anyio.run(build)
