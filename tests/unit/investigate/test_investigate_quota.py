"""What an investigation spends: the cost it states is the upstream calls it made."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from iocgate.engine.stores import MemoryCache
from iocgate.errors import InvalidArgumentError, NotFoundError
from iocgate.sim import SimState
from iocgate.virustotal.investigate import OverBudgetError, Progress, investigate
from tests.unit.investigate.investigate_support import sim_engine


@pytest.mark.anyio
async def test_the_stated_cost_equals_the_requests_the_simulator_received(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim)
    try:
        before = sim_state.count()
        brief = await investigate(engine, rich.sha256)
        made = sim_state.count() - before
    finally:
        await engine.aclose()
    assert brief.cost.upstream_calls == made == 4
    assert brief.cost.cache_hits == 0
    assert brief.cost.planned.startswith("exactly 4 upstream calls (file object, ")


@pytest.mark.anyio
async def test_a_second_investigation_with_a_cache_costs_no_upstream_call(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim, cache=MemoryCache())
    events: list[Progress] = []
    try:
        first = await investigate(engine, rich.sha256)
        before = sim_state.count()
        second = await investigate(engine, rich.sha256, progress=events.append)
        assert sim_state.count() == before
    finally:
        await engine.aclose()
    assert first.cost.upstream_calls == 4
    assert (second.cost.upstream_calls, second.cost.cache_hits) == (0, 4)
    assert events[0].plan.calls == 0  # the plan already knew: everything was cached
    assert "4 of 4 answers cached" in events[0].plan.describe()
    assert second.to_dict()["techniques"] == first.to_dict()["techniques"]


@pytest.mark.anyio
async def test_max_calls_below_the_minimum_refuses_before_any_call(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim)
    try:
        with pytest.raises(OverBudgetError, match="at least 4 upstream calls"):
            await investigate(engine, rich.sha256, max_calls=3)
    finally:
        await engine.aclose()
    assert sim_state.count() == 0


@pytest.mark.anyio
async def test_progress_states_the_lower_bound_then_the_exact_plan(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim)
    events: list[Progress] = []
    try:
        await investigate(engine, rich.sha256, progress=events.append)
    finally:
        await engine.aclose()
    plans = [event.plan for event in events if event.step is None]
    assert not plans[0].is_exact
    assert plans[-1].is_exact
    steps = [event.step for event in events if event.step]
    assert steps[0] == "sandbox reports, page 1"
    assert set(steps[1:]) == {"file object", "behaviour summary", "MITRE ATT&CK trees"}
    assert events[-1].done == 4


@pytest.mark.anyio
@pytest.mark.parametrize("bad", ["not-a-hash", "ab" * 31, "../files/x", "g" * 64])
async def test_a_malformed_hash_is_refused_before_any_upstream_call(
    investigation_sim: Starlette, sim_state: SimState, bad: str
) -> None:
    engine = sim_engine(investigation_sim)
    try:
        with pytest.raises(InvalidArgumentError, match="MD5, SHA-1 or SHA-256"):
            await investigate(engine, bad)
    finally:
        await engine.aclose()
    assert sim_state.count() == 0


@pytest.mark.anyio
async def test_an_unknown_file_is_a_not_found_error_naming_the_hash(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    unknown = "0" * 64
    engine = sim_engine(investigation_sim)
    try:
        with pytest.raises(NotFoundError, match=unknown):
            await investigate(engine, unknown)
    finally:
        await engine.aclose()
    assert sim_state.count() == 1  # the first page answered 404: nothing else was asked


@pytest.mark.anyio
async def test_investigating_by_md5_finds_the_same_file(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim)
    try:
        brief = await investigate(engine, rich.md5)
    finally:
        await engine.aclose()
    assert (brief.file.md5, brief.file.sha256) == (rich.md5, rich.sha256)


@pytest.mark.anyio
async def test_a_sandbox_brief_covers_that_sandbox_alone(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim)
    try:
        brief = await investigate(engine, rich.sha256, sandbox="Zenbox")
        with pytest.raises(InvalidArgumentError, match="sandbox must be one of"):
            await investigate(engine, rich.sha256, sandbox="No Such Box")
    finally:
        await engine.aclose()
    assert brief.sandbox_names() == ("Zenbox",)
    assert all(t.sandboxes == ("Zenbox",) for t in brief.techniques)
