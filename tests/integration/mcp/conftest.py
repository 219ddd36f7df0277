"""The MCP adapter on a real port (streamable HTTP), in front of the shared simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY
from tests.support.mcp_harness import mcp_http_app, run_app
from tests.support.sim_fixtures import SimServer


@pytest.fixture(scope="module")
def mcp_origin(sim_server: SimServer) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of the MCP app (``/mcp``, ``/healthz``)."""
    with run_app(mcp_http_app(sim_server.url, DEMO_PRIVILEGED_KEY)) as origin:
        yield origin


@pytest.fixture(scope="module")
def mcp_url(mcp_origin: str) -> str:
    return f"{mcp_origin}/mcp"
