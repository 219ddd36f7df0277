"""Fixtures that build the seed capability's engine with the simulator as its upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from iocgate.capability import Capability, load_capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability, Plugins, RetryPolicy
from iocgate.virustotal import DEFAULT_CAPABILITY, VirusTotalPlugin


@pytest.fixture(scope="session")
def seed_capability() -> Capability:
    return load_capability(DEFAULT_CAPABILITY)


EngineFactory = Callable[..., Any]


@pytest.fixture
def make_engine(seed_capability: Capability) -> EngineFactory:
    """`async with make_engine(upstream_url, key) as engine:` an engine on the seed capability.

    Pass ``plugins=False`` for the generic runtime without the VirusTotal layer; other keyword
    arguments go to `Engine` (cache, quota, retry, ...). Retries are off unless given.
    """

    @asynccontextmanager
    async def factory(
        upstream_url: str, key: str, /, *, plugins: bool = True, **engine_args: Any
    ) -> AsyncIterator[Engine]:
        binds = resolve_binds(
            seed_capability.binds,
            capability_file=seed_capability.name,
            environ={"VIRUSTOTAL_API_KEY": key},
        )
        loaded = LoadedCapability(
            capability=seed_capability,
            binds=binds,
            plugins=Plugins([VirusTotalPlugin()] if plugins else []),
            base_uri=upstream_url,
        )
        engine_args.setdefault("retry", RetryPolicy.disabled())
        engine = Engine([loaded], **engine_args)
        try:
            yield engine
        finally:
            await engine.aclose()

    return factory
