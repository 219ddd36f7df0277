"""Injected faults on a real connection: dropped connections, 503/504 and cut bodies."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from iocgate.engine import CacheStatus, Engine, Result, RetryPolicy
from iocgate.engine.stores import open_cache
from iocgate.errors import UpstreamUnavailableError
from iocgate.sim import DEMO_PRIVILEGED_KEY
from tests.integration.resilience.conftest import LiveEngine, LiveSim

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("no_backoff")]

SUMMARY = "get-summary-all-behavior-reports"
PCAP = "get-pcap-file-generated-during"


async def invoke(engine: Engine, tool_name: str, **args: str) -> Result:
    operation, tool = engine.find(tool_name)
    return await engine.invoke(operation, args, call=tool)


@pytest.mark.parametrize("fault", [0, 503, 504], ids=["reset", "503", "504"])
async def test_injected_faults_are_retried_and_the_call_succeeds(
    live_engine: LiveEngine, live_sim: LiveSim, fault: int
) -> None:
    live_sim.state.faults.fail_next, live_sim.state.faults.fail_next_status = 2, fault
    sha = live_sim.state.corpus.pick("rich").sha256
    async with live_engine(
        live_sim.url, DEMO_PRIVILEGED_KEY, retry=RetryPolicy(attempts=5)
    ) as engine:
        result = await invoke(engine, SUMMARY, id=sha)
    assert result.status == 200
    assert [r.status for r in live_sim.state.requests] == [fault, fault, 200]


async def test_without_retries_a_dropped_connection_is_reported(
    live_engine: LiveEngine, live_sim: LiveSim
) -> None:
    live_sim.state.faults.fail_next, live_sim.state.faults.fail_next_status = 1, 0
    async with live_engine(live_sim.url, DEMO_PRIVILEGED_KEY) as engine:
        with pytest.raises(UpstreamUnavailableError):
            await invoke(engine, SUMMARY, id=live_sim.state.corpus.pick("rich").sha256)


async def test_a_json_body_cut_short_is_retried(live_engine: LiveEngine, live_sim: LiveSim) -> None:
    sha = live_sim.state.corpus.pick("rich").sha256
    async with live_engine(live_sim.url, DEMO_PRIVILEGED_KEY) as engine:
        clean = await invoke(engine, SUMMARY, id=sha)
    live_sim.state.reset()
    # The fault RNG is seeded: with this rate the first request is cut, the second is not.
    live_sim.state.faults.truncate_rate = 0.5
    async with live_engine(
        live_sim.url, DEMO_PRIVILEGED_KEY, retry=RetryPolicy(attempts=5)
    ) as engine:
        result = await invoke(engine, SUMMARY, id=sha)
    assert live_sim.state.count() == 2
    assert result.status == 200
    assert result.data == clean.data


async def test_an_artefact_cut_mid_stream_leaves_no_cache_entry(
    live_engine: LiveEngine, live_sim: LiveSim, tmp_path: Path
) -> None:
    sandbox_id = next(r.id for f in live_sim.state.corpus.files for r in f.reports if r.has_pcap)
    live_sim.state.faults.truncate_rate = 1.0
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=10**8)
    async with live_engine(live_sim.url, DEMO_PRIVILEGED_KEY, cache=cache) as engine:
        cut = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert cut.stream is not None
        with pytest.raises(httpx.HTTPError):
            await cut.stream.read()
        assert list((tmp_path / "artefacts").iterdir()) == []
        live_sim.state.faults.truncate_rate = 0.0
        whole = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert whole.stream is not None
        body = await whole.stream.read()
        again = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert again.stream is not None
        assert await again.stream.read() == body
    assert [cut.cache, whole.cache, again.cache] == [
        CacheStatus.MISS, CacheStatus.MISS, CacheStatus.HIT,
    ]  # fmt: skip
    assert live_sim.state.count() == 2
