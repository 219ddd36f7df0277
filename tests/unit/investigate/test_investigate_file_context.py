"""The file object in the brief (#22.1) and what an investigation does when data is missing
(#22.8): stop at the empty first page, offer the re-analysis, refuse it without --allow-writes."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from iocgate.engine import Caller, WritePolicy
from iocgate.errors import ForbiddenError
from iocgate.sim import SimState
from iocgate.virustotal.investigate import Brief, investigate
from tests.unit.investigate.investigate_support import sim_engine


def test_the_brief_carries_the_file_objects_context_and_every_hash(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    rich = investigation_sim.state.sim.corpus.pick("rich")
    brief = briefs["rich"]
    assert (brief.file.sha256, brief.file.sha1, brief.file.md5) == (
        rich.sha256,
        rich.sha1,
        rich.md5,
    )
    assert brief.file.imphash and brief.file.ssdeep and brief.file.tlsh
    context = brief.file_context
    assert context is not None
    malicious, engines = (int(part) for part in (context.ratio or "").split("/"))
    assert malicious == context.detections["malicious"] > 0
    assert engines > malicious
    assert rich.name in context.names
    assert context.type_description == "Win32 EXE"
    assert context.size == rich.size
    assert context.first_seen == rich.first_seen
    assert context.last_seen is not None and context.last_seen > rich.first_seen
    assert context.signature["verified"] == "Unsigned"
    assert context.threat_label == f"trojan.{(rich.family or '').lower()}"
    assert context.yara_rules and context.sigma_rules
    as_json = brief.to_dict()
    assert as_json["file_context"]["ratio"] == context.ratio
    assert list(as_json)[:3] == ["schema", "file", "file_context"]


@pytest.mark.anyio
async def test_a_file_no_sandbox_ran_costs_the_empty_page_and_the_file_object_only(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    none = sim_state.corpus.pick("none")
    engine = sim_engine(investigation_sim)
    try:
        brief = await investigate(engine, none.sha256)
    finally:
        await engine.aclose()
    paths = sorted(request.path for request in sim_state.requests)
    assert paths == [f"/api/v3/files/{none.sha256}", f"/api/v3/files/{none.sha256}/behaviours"]
    assert brief.cost.upstream_calls == 2
    assert "1 page listing no sandbox report" in brief.cost.planned
    assert brief.file_context is not None and brief.file_context.ratio is not None
    assert len(brief.next_steps) == 1
    assert f"POST /v1/files/{none.sha256}/analyse" in brief.next_steps[0]
    assert "--allow-writes" in brief.next_steps[0]


@pytest.mark.anyio
async def test_without_the_companion_capability_an_empty_file_costs_one_call(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    none = sim_state.corpus.pick("none")
    engine = sim_engine(investigation_sim, with_files=False)
    try:
        brief = await investigate(engine, none.sha256)
    finally:
        await engine.aclose()
    assert brief.cost.upstream_calls == sim_state.count() == 1
    assert brief.file_context is None
    assert brief.next_steps == ()  # nothing to offer: the re-analysis is not served


@pytest.mark.anyio
async def test_the_reanalysis_is_refused_until_writes_are_allowed(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    none = sim_state.corpus.pick("none")
    engine = sim_engine(investigation_sim)
    operation, _ = engine.find("requestAFileRescan")
    try:
        with pytest.raises(ForbiddenError, match="--allow-writes"):
            await engine.invoke(operation, {"id": none.sha256}, caller=Caller(adapter="test"))
        assert sim_state.count() == 0
        engine.writes = WritePolicy(allow_writes=True)
        result = await engine.invoke(operation, {"id": none.sha256}, caller=Caller(adapter="test"))
    finally:
        await engine.aclose()
    assert result.status == 200
    assert result.data["data"]["type"] == "analysis"
    assert [request.method for request in sim_state.requests] == ["POST"]
