"""The MCP adapter in-process: an SDK client, the adapter, an engine, the simulator (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from iocgate.sim import DEMO_PRIVILEGED_KEY, Corpus, SimSettings, create_app
from tests.support.mcp_harness import McpSession, mcp_session


@pytest.fixture(scope="module")
def sim_app() -> Starlette:
    """One simulator per module (its huge report is built once); privileged key, no quota."""
    return create_app(SimSettings(memdump_size=2 * 1024 * 1024))


@pytest.fixture(scope="module")
def corpus(sim_app: Starlette) -> Corpus:
    corpus: Corpus = sim_app.state.sim.corpus
    return corpus


@pytest.fixture
async def mcp(sim_app: Starlette) -> AsyncIterator[McpSession]:
    async with mcp_session(sim_app, DEMO_PRIVILEGED_KEY) as session:
        yield session
