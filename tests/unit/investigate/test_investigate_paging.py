"""Files with more sandbox reports than one page: paging, the exact plan, the seed's limits.

No simulated file has more than 40 reports, so a small upstream here serves 95 of them with
VirusTotal's collection shape (``meta.count``, ``meta.cursor``, default limit 10, at most 40).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from iocgate.virustotal.investigate import OverBudgetError, Progress, investigate
from tests.unit.investigate.investigate_support import sim_engine, unpaged_capability

SHA256 = "5" * 64
REPORTS = 95


def many_reports_app() -> Starlette:
    """An upstream holding one file with ``REPORTS`` sandbox reports; it counts requests."""
    reports = [
        {
            "type": "file_behaviour",
            "id": f"{SHA256}_Box {index}",
            "attributes": {
                "sandbox_name": f"Box {index}",
                "mitre_attack_techniques": [
                    {
                        "id": "T1055",
                        "signature_description": "Injects",
                        "severity": "IMPACT_SEVERITY_HIGH",
                    }
                ]
                if index % 2
                else [],
            },
        }
        for index in range(REPORTS)
    ]

    async def behaviours(request: Request) -> JSONResponse:
        app.state.calls += 1
        limit = int(request.query_params.get("limit", "10"))
        offset = int(request.query_params.get("cursor", "o0")[1:])
        meta: dict[str, object] = {"count": REPORTS}
        if offset + limit < REPORTS:
            meta["cursor"] = f"o{offset + limit}"
        return JSONResponse({"meta": meta, "data": reports[offset : offset + limit]})

    async def empty(request: Request) -> JSONResponse:
        app.state.calls += 1
        return JSONResponse({"data": {}})

    app = Starlette(
        routes=[
            Route("/api/v3/files/{id}/behaviours", behaviours),
            Route("/api/v3/files/{id}/behaviour_summary", empty),
            Route("/api/v3/files/{id}/behaviour_mitre_trees", empty),
        ]
    )
    app.state.calls = 0
    return app


@pytest.mark.anyio
async def test_all_pages_are_read_and_the_plan_becomes_exact_after_the_first(
    tmp_path: Path,
) -> None:
    upstream = many_reports_app()
    engine = sim_engine(upstream, with_files=False)
    events: list[Progress] = []
    try:
        brief = await investigate(engine, SHA256, progress=events.append)
    finally:
        await engine.aclose()
    assert len(brief.sandboxes) == REPORTS
    assert brief.cost.upstream_calls == upstream.state.calls == 5
    assert brief.cost.report_pages == 3
    plans = [e.plan.describe() for e in events if e.step is None]
    assert plans[0].startswith("at least 3 upstream calls")
    assert "exactly 5 upstream calls" in plans[-1]
    assert "3 pages for 95 sandbox reports" in plans[-1]
    technique = brief.techniques[0]
    assert (technique.id, str(technique.agreement)) == ("T1055", "47 of 47")


@pytest.mark.anyio
async def test_max_calls_stops_after_the_first_page_shows_the_plan_is_too_big(
    tmp_path: Path,
) -> None:
    upstream = many_reports_app()
    engine = sim_engine(upstream, with_files=False)
    try:
        with pytest.raises(OverBudgetError, match=r"exactly 5 upstream calls.*1 already made"):
            await investigate(engine, SHA256, max_calls=4)
    finally:
        await engine.aclose()
    assert upstream.state.calls == 1


@pytest.mark.anyio
async def test_without_a_cursor_parameter_the_brief_says_how_many_reports_it_could_not_read(
    tmp_path: Path,
) -> None:
    upstream = many_reports_app()
    # The seed file declares only `id` for this operation.
    engine = sim_engine(upstream, capability=unpaged_capability(tmp_path), with_files=False)
    try:
        brief = await investigate(engine, SHA256)
    finally:
        await engine.aclose()
    assert len(brief.sandboxes) == 10
    assert brief.cost.upstream_calls == upstream.state.calls == 3
    assert brief.note is not None
    assert "Only 10 of 95 sandbox reports were read" in brief.note


@pytest.mark.anyio
async def test_the_embedded_capability_reads_every_report_of_a_file_with_more_than_ten(
    investigation_sim: Starlette, sim_state: object
) -> None:
    many = investigation_sim.state.sim.corpus.pick("many")
    engine = sim_engine(investigation_sim)
    try:
        brief = await investigate(engine, many.sha256)
    finally:
        await engine.aclose()
    assert [run.id for run in brief.sandboxes] == many.sandbox_ids
    assert len(many.sandbox_ids) > 10
    assert brief.note is None or "were read" not in brief.note
    assert brief.cost.report_pages == 1  # limit=40: one page holds them all
