"""`/readyz` without an upstream key: 503 naming the variable, unless in demo mode."""

from __future__ import annotations

import httpx
import pytest

from iocgate.capability import Capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability
from iocgate.exposes.rest import RestOptions, create_rest_app


def keyless_engine(capability: Capability) -> Engine:
    binds = resolve_binds(
        capability.binds,
        capability_file=capability.name,
        environ={},
        optional=frozenset({"VIRUSTOTAL_API_KEY"}),
    )
    return Engine([LoadedCapability(capability=capability, binds=binds)])


async def readyz(engine: Engine, options: RestOptions) -> httpx.Response:
    transport = httpx.ASGITransport(create_rest_app(engine, options))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        return await client.get("/readyz")


@pytest.mark.anyio
async def test_without_a_key_the_gateway_is_not_ready_and_says_which_variable(
    seed_capability: Capability,
) -> None:
    response = await readyz(keyless_engine(seed_capability), RestOptions())
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert any("VIRUSTOTAL_API_KEY" in reason for reason in response.json()["reasons"])


@pytest.mark.anyio
async def test_demo_mode_is_ready_without_a_key(seed_capability: Capability) -> None:
    response = await readyz(keyless_engine(seed_capability), RestOptions(demo=True))
    assert response.status_code == 200
    assert response.json()["demo"] is True


@pytest.mark.anyio
async def test_a_gateway_with_no_capability_is_not_ready() -> None:
    response = await readyz(Engine([]), RestOptions())
    assert response.status_code == 503
    assert response.json()["reasons"] == ["no capability is loaded"]


@pytest.mark.anyio
async def test_readyz_names_the_capability_file_not_where_it_lives(
    seed_capability: Capability,
) -> None:
    response = await readyz(keyless_engine(seed_capability), RestOptions())
    body = response.json()
    assert body["capabilities"] == [seed_capability.path.name if seed_capability.path else ""]
    assert "/" not in response.text  # no directory of the host anywhere
