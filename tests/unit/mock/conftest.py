"""Fixtures for the OpenAPI mock's unit tests: our two fixture files, served in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from iocgate.mock import create_app, load_services

OPENAPI_DIR = Path(__file__).parents[2] / "fixtures" / "tutorial" / "openapi"
HARBOUR = "/rest/harbour-registry/2.1.0"
LEDGER = "/rest/Pilotage%20Ledger/0.9"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client (no sockets) of `iocgate mock` over both fixture files."""
    services = load_services(sorted(OPENAPI_DIR.glob("*.yaml")))
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as http:
        yield http
