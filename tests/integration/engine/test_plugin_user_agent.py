"""The upstream ``User-Agent``: VirusTotal's plugin adds "(gzip)" (its front end compresses only
for agents that say so); an upstream no plugin describes gets iocgate's plain agent."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from iocgate import __version__
from iocgate.errors import IocgateError
from iocgate.gateway import open_gateway
from iocgate.settings import load_settings
from tests.support.echo_upstream import create_echo_app
from tests.support.servers import run_server

FORMATS = Path(__file__).parents[2] / "fixtures" / "formats"


@pytest.fixture
def echo() -> Iterator[tuple[str, Any]]:
    app = create_echo_app()
    with run_server(app) as url:
        yield url, app.state.echo


async def agent_sent(tmp_path: Path, upstream: str, state: Any, **flags: Any) -> str:
    environ = {"XDG_CACHE_HOME": str(tmp_path), "VIRUSTOTAL_API_KEY": "k" * 64}
    settings = load_settings(
        {"cache": "off", "quota": "unlimited", "upstream": upstream, **flags}, environ=environ
    )
    async with open_gateway(settings) as gateway:
        loaded = gateway.engine.capabilities[-1]
        operation = next(iter(loaded.capability.operations.values()))
        arguments = {p.name: "a" * 64 for p in operation.parameters}
        with contextlib.suppress(IocgateError):  # the echo's JSON is no xml: the call was sent
            await gateway.engine.invoke(operation, arguments)
    return str(state.requests[-1].headers["user-agent"])


@pytest.mark.anyio
async def test_virustotal_capabilities_send_a_user_agent_that_says_gzip(
    tmp_path: Path, echo: tuple[str, Any]
) -> None:
    agent = await agent_sent(tmp_path, *echo)
    assert agent == f"iocgate/{__version__} (gzip)"


@pytest.mark.anyio
async def test_other_upstreams_get_iocgates_plain_user_agent(
    tmp_path: Path, echo: tuple[str, Any]
) -> None:
    for name in ("formats.yaml", "records.avsc", "records.proto"):
        shutil.copy(FORMATS / name, tmp_path / name)
    agent = await agent_sent(tmp_path, *echo, capabilities=(tmp_path / "formats.yaml",))
    assert agent == f"iocgate/{__version__}"
