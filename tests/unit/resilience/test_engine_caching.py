"""The cache in the invocation path, against the simulator's request log (no sockets)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from iocgate.engine import CacheMode, CachePolicy, CacheStatus, Caller, Engine, Result
from iocgate.engine.stores import open_cache
from iocgate.sim import DEMO_PRIVILEGED_KEY, DEMO_PUBLIC_KEY, SimState
from tests.unit.resilience.conftest import EngineOnSim, FakeClock

pytestmark = pytest.mark.anyio

SUMMARY = "get-summary-all-behavior-reports"
PCAP = "get-pcap-file-generated-during"


async def invoke(
    engine: Engine, tool_name: str, mode: CacheMode = CacheMode.USE, **args: str
) -> Result:
    operation, tool = engine.find(tool_name)
    return await engine.invoke(operation, args, call=tool, caller=Caller(cache_mode=mode))


def pcap_report(sim: SimState) -> str:
    return next(r.id for f in sim.corpus.files for r in f.reports if r.has_pcap)


async def test_second_identical_call_is_a_cache_hit_with_age(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path, clock: FakeClock
) -> None:
    sha = sim.corpus.pick("rich").sha256
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=0)
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, cache=cache, clock=clock) as engine:
        first = await invoke(engine, SUMMARY, id=sha)
        clock.now += 42
        second = await invoke(engine, SUMMARY, id=sha)
    assert (first.cache, first.age) == (CacheStatus.MISS, None)
    assert (second.cache, second.age) == (CacheStatus.HIT, 42)
    assert second.data == first.data
    assert sim.count(f"/files/{sha}") == 1


async def test_concurrent_identical_calls_cost_one_upstream_request(
    engine_on_sim: EngineOnSim, sim: SimState
) -> None:
    sha = sim.corpus.pick("rich").sha256
    sim.faults.latency_ms = 50  # keep the leader in flight while the others arrive
    results: list[Result] = []
    async with engine_on_sim(
        DEMO_PRIVILEGED_KEY, cache=open_cache("memory", Path(), artefact_max_bytes=0)
    ) as engine:

        async def one() -> None:
            results.append(await invoke(engine, SUMMARY, id=sha))

        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(one)
    assert sim.count() == 1
    assert sorted(r.cache for r in results) == [CacheStatus.HIT] * 9 + [CacheStatus.MISS]
    assert len({r.json_bytes() for r in results}) == 1


async def test_cache_survives_a_restart(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path, clock: FakeClock
) -> None:
    sha = sim.corpus.pick("poor").sha256
    async with engine_on_sim(
        DEMO_PRIVILEGED_KEY, cache=open_cache("sqlite", tmp_path, artefact_max_bytes=0), clock=clock
    ) as engine:
        await invoke(engine, SUMMARY, id=sha)
    clock.now += 3600
    async with engine_on_sim(
        DEMO_PRIVILEGED_KEY, cache=open_cache("sqlite", tmp_path, artefact_max_bytes=0), clock=clock
    ) as restarted:
        again = await invoke(restarted, SUMMARY, id=sha)
    assert (again.cache, again.age) == (CacheStatus.HIT, 3600)
    assert sim.count() == 1


async def test_bypass_neither_reads_nor_writes_and_refresh_replaces_the_answer(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path
) -> None:
    sha = sim.corpus.pick("rich").sha256
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=0)
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, cache=cache) as engine:
        bypass = await invoke(engine, SUMMARY, CacheMode.BYPASS, id=sha)
        after_bypass = await invoke(engine, SUMMARY, id=sha)
        refresh = await invoke(engine, SUMMARY, CacheMode.REFRESH, id=sha)
        after_refresh = await invoke(engine, SUMMARY, id=sha)
    assert bypass.cache is CacheStatus.BYPASS
    assert after_bypass.cache is CacheStatus.MISS  # the bypass stored nothing
    assert refresh.cache is CacheStatus.MISS
    assert after_refresh.cache is CacheStatus.HIT
    assert sim.count() == 3


async def test_not_found_is_kept_briefly(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path, clock: FakeClock
) -> None:
    missing = "0" * 64
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=0, clock=clock)
    policy = CachePolicy(not_found_ttl=600)
    async with engine_on_sim(
        DEMO_PRIVILEGED_KEY, cache=cache, cache_policy=policy, clock=clock
    ) as engine:
        first = await invoke(engine, SUMMARY, id=missing)
        clock.now += 599
        second = await invoke(engine, SUMMARY, id=missing)
        clock.now += 2
        third = await invoke(engine, SUMMARY, id=missing)
    assert (first.status, first.error_code) == (404, "NotFoundError")
    assert [second.cache, third.cache] == [CacheStatus.HIT, CacheStatus.MISS]
    assert sim.count() == 2


async def test_forbidden_answers_are_never_cached(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path
) -> None:
    sandbox_id = pcap_report(sim)
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=10**8)
    async with engine_on_sim(DEMO_PUBLIC_KEY, cache=cache) as engine:
        results = [await invoke(engine, PCAP, sandbox_id=sandbox_id) for _ in range(2)]
    assert [r.status for r in results] == [403, 403]
    assert [r.cache for r in results] == [CacheStatus.MISS, CacheStatus.MISS]
    assert sim.count() == 2


async def test_the_api_key_is_nowhere_in_the_state_directory(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path
) -> None:
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=10**8)
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, cache=cache) as engine:
        await invoke(engine, SUMMARY, id=sim.corpus.pick("rich").sha256)
        await invoke(engine, SUMMARY, id="0" * 64)
        await (await invoke(engine, PCAP, sandbox_id=pcap_report(sim))).stream.read()  # type: ignore[union-attr]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".artefact" for p in files)
    for path in files:
        assert DEMO_PRIVILEGED_KEY.encode() not in path.read_bytes(), path


async def test_second_pcap_download_is_a_hit_served_byte_identical(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path
) -> None:
    sandbox_id = pcap_report(sim)
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=10**8)
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, cache=cache) as engine:
        first = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert first.stream is not None
        original = await first.stream.read()
        second = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert second.stream is not None
        served = await second.stream.read()
    assert first.cache is CacheStatus.MISS
    assert (second.cache, second.age) == (CacheStatus.HIT, 0)
    assert served == original
    assert second.stream.length == len(original)
    assert second.headers["content-length"] == str(len(original))
    assert second.content_type == first.content_type
    assert sim.count() == 1


async def test_an_interrupted_first_download_leaves_no_entry(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path
) -> None:
    sandbox_id = pcap_report(sim)
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=10**8)
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, cache=cache) as engine:
        first = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert first.stream is not None
        await first.stream.aclose()  # the client hung up before the body
        second = await invoke(engine, PCAP, sandbox_id=sandbox_id)
        assert second.stream is not None
        await second.stream.read()
    assert second.cache is CacheStatus.MISS
    assert sim.count() == 2
    assert [p.suffix for p in (tmp_path / "artefacts").iterdir()] == [".artefact"]


async def test_concurrent_pcap_downloads_wait_for_the_first_ones_file(
    engine_on_sim: EngineOnSim, sim: SimState, tmp_path: Path
) -> None:
    sandbox_id = pcap_report(sim)
    sim.faults.latency_ms = 50
    cache = open_cache("sqlite", tmp_path, artefact_max_bytes=10**8)
    bodies: list[tuple[CacheStatus, bytes]] = []
    async with engine_on_sim(DEMO_PRIVILEGED_KEY, cache=cache) as engine:

        async def download() -> None:
            result = await invoke(engine, PCAP, sandbox_id=sandbox_id)
            assert result.stream is not None
            bodies.append((result.cache, await result.stream.read()))

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(download)
    assert sim.count() == 1
    assert sorted(status for status, _ in bodies) == [CacheStatus.HIT] * 3 + [CacheStatus.MISS]
    assert len({body for _, body in bodies}) == 1


async def test_concurrent_callers_share_an_answer_that_is_not_cached(
    engine_on_sim: EngineOnSim, sim: SimState
) -> None:
    sandbox_id = pcap_report(sim)
    sim.faults.latency_ms = 50
    results: list[Result] = []
    async with engine_on_sim(
        DEMO_PUBLIC_KEY, cache=open_cache("memory", Path(), artefact_max_bytes=0)
    ) as engine:

        async def one() -> None:
            results.append(await invoke(engine, PCAP, sandbox_id=sandbox_id))

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(one)
    assert [r.error_code for r in results] == ["ForbiddenError"] * 5
    assert [r.cache for r in results] == [CacheStatus.MISS] * 5
    assert sim.count() == 1
