"""The REST gateway over a real socket, its engine on the shared simulator.

`run_server` serves with the lifespan off, and the engine's HTTP clients belong to the event
loop that first uses them; so `LazyGatewayApp` opens the engine on the server's loop at the
first request and closes it on that same loop when the test ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from iocgate.engine import Engine
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.sim import DEMO_PRIVILEGED_KEY, SimState
from tests.support.servers import run_server
from tests.support.sim_fixtures import SimServer


class LazyGatewayApp:
    """Builds the REST app around an engine opened on the serving loop, at the first request."""

    def __init__(
        self,
        open_engine: Callable[[], contextlib.AbstractAsyncContextManager[Engine]],
        options: RestOptions,
    ) -> None:
        self._open_engine = open_engine
        self._options = options
        self._app: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stack = contextlib.AsyncExitStack()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            # No await happens before `make_engine`'s yield: two first requests cannot race.
            self._loop = asyncio.get_running_loop()
            engine = await self._stack.enter_async_context(self._open_engine())
            self._app = create_rest_app(engine, self._options)
        await self._app(scope, receive, send)

    def close(self) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._stack.aclose(), self._loop).result(10)


@dataclass(frozen=True)
class Gateway:
    """A running REST gateway: ``url`` has no trailing slash; ``sim`` is its upstream."""

    url: str
    sim: SimState
    client: httpx.Client
    upstream: str
    key: str

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(self.url + path, **kwargs)


GatewayFactory = Callable[..., contextlib.AbstractContextManager[Gateway]]


@pytest.fixture
def start_gateway(
    make_engine: Callable[..., Any], sim_server: SimServer, sim_state_reset: SimState
) -> GatewayFactory:
    """`with start_gateway(key=..., demo=..., **engine_args) as gateway:` a fresh gateway."""

    @contextlib.contextmanager
    def start(
        key: str = DEMO_PRIVILEGED_KEY,
        *,
        options: RestOptions | None = None,
        upstream: str | None = None,
        **engine_args: Any,
    ) -> Iterator[Gateway]:
        @contextlib.asynccontextmanager
        async def open_engine() -> AsyncIterator[Engine]:
            async with make_engine(upstream or sim_server.url, key, **engine_args) as engine:
                yield engine

        app = LazyGatewayApp(open_engine, options or RestOptions(title="iocgate test"))
        with run_server(app) as url, httpx.Client(timeout=30) as client:
            try:
                yield Gateway(
                    url=url,
                    sim=sim_state_reset,
                    client=client,
                    upstream=upstream or sim_server.url,
                    key=key,
                )
            finally:
                app.close()  # while the server's loop still runs

    return start


@pytest.fixture
def gateway(start_gateway: GatewayFactory) -> Iterator[Gateway]:
    """A gateway with the simulator's privileged key, no cache, no retries."""
    with start_gateway() as running:
        yield running


@pytest.fixture(scope="session")
def report_ids(sim_server: SimServer) -> dict[str, str]:
    """Handy identifiers from the simulator's corpus."""
    rich = sim_server.corpus.pick("rich")
    report = next(
        r for r in rich.reports if {"pcap", "evtx", "memdump", "html"} <= set(r.artefacts)
    )
    return {"sha256": rich.sha256, "md5": rich.md5, "sandbox_id": report.id}
