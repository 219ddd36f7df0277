"""A report over 1 MB comes back under the budget, with counts and a working continuation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from iocgate.sim import DEMO_PRIVILEGED_KEY, Corpus
from iocgate.virustotal.shaping import severity_rank
from tests.support.mcp_harness import REST_BASE, SIM_BASE, McpSession, text_of

pytestmark = pytest.mark.anyio

SUMMARY = "get-summary-all-behavior-reports"
REPORT = "get-file-behavior-report-sandbox"
BEHAVIOURS = "get-all-behavior-reports-file"
BUDGET = 40_000


async def _upstream(sim_app: Starlette, path: str) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app),
        base_url=SIM_BASE,
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    ) as client:
        response = await client.get(path)
        assert response.status_code == 200
        assert len(response.content) > 1_000_000
        return response.json()


def _trims(result: Any) -> dict[str, dict[str, Any]]:
    return {note["section"]: note for note in result.structured_content["_iocgate"]["trimmed"]}


async def test_the_huge_summary_comes_back_under_40_kb_with_integer_totals(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    full = (await _upstream(sim_app, f"/files/{huge.sha256}/behaviour_summary"))["data"]
    result = await mcp.call(SUMMARY, {"id": huge.sha256})
    assert not result.is_error
    assert len(text_of(result).encode()) <= BUDGET
    notes = result.structured_content["_iocgate"]
    assert notes["original_bytes"] > 1_000_000
    trims = _trims(result)
    opened = trims["/data/registry_keys_opened"]
    assert opened["total"] == len(full["registry_keys_opened"])
    assert isinstance(opened["total"], int)
    assert opened["shown"] == len(result.structured_content["data"]["registry_keys_opened"])
    assert result.structured_content["data"]["verdicts"] == full["verdicts"]


async def test_a_condensed_answer_says_where_the_full_data_is(
    mcp: McpSession, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    result = await mcp.call(SUMMARY, {"id": huge.sha256})
    notes = result.structured_content["_iocgate"]
    assert f"{REST_BASE}/v1/files/{huge.sha256}/behaviour_summary" in notes["full_data"]
    assert "section=" in notes["continue"]


async def test_section_and_offset_continue_a_trimmed_list_with_the_next_items(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    full = (await _upstream(sim_app, f"/files/{huge.sha256}/behaviour_summary"))["data"]
    overview = await mcp.call(SUMMARY, {"id": huge.sha256})
    shown = _trims(overview)["/data/registry_keys_opened"]["shown"]
    page = await mcp.call(
        SUMMARY, {"id": huge.sha256, "section": "registry_keys_opened", "offset": shown}
    )
    assert not page.is_error, text_of(page)
    body = page.structured_content
    assert len(text_of(page).encode()) <= BUDGET
    assert body["section"] == "/data/registry_keys_opened"
    assert body["total"] == len(full["registry_keys_opened"])
    assert len(body["items"]) > 100
    assert body["items"] == full["registry_keys_opened"][shown : shown + len(body["items"])]
    assert body["next_offset"] == shown + len(body["items"])


async def test_the_most_severe_signatures_come_first_and_pages_keep_that_order(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    sandbox_id = huge.sandbox_ids[0]
    full = (await _upstream(sim_app, f"/file_behaviours/{sandbox_id}"))["data"]["attributes"]
    overview = await mcp.call(REPORT, {"sandbox_id": sandbox_id})
    assert len(text_of(overview).encode()) <= BUDGET
    shown = overview.structured_content["data"]["attributes"]["signature_matches"]
    ranks = [severity_rank(s["severity"]) for s in shown]
    assert ranks == sorted(ranks)
    assert ranks[0] == min(severity_rank(s.get("severity")) for s in full["signature_matches"])
    note = _trims(overview)["/data/attributes/signature_matches"]
    assert note["total"] == len(full["signature_matches"])
    page = await mcp.call(
        REPORT,
        {
            "sandbox_id": sandbox_id,
            "section": "/data/attributes/signature_matches",
            "offset": note["shown"],
        },
    )
    ordered = sorted(full["signature_matches"], key=lambda s: severity_rank(s.get("severity")))
    seen = [s["id"] for s in shown] + [s["id"] for s in page.structured_content["items"]]
    assert seen == [s["id"] for s in ordered][: len(seen)]


async def test_the_huge_report_keeps_valuable_attributes_before_routine_ones(
    mcp: McpSession, corpus: Corpus
) -> None:
    result = await mcp.call(REPORT, {"sandbox_id": corpus.pick("huge").sandbox_ids[0]})
    attributes = list(result.structured_content["data"]["attributes"])
    assert attributes.index("sandbox_name") < attributes.index("signature_matches")
    assert attributes.index("signature_matches") < attributes.index("files_opened")
    assert attributes.index("dns_lookups") < attributes.index("registry_keys_opened")
    assert attributes[-1] == "registry_keys_opened"
    assert "last_modification_date" not in attributes


async def test_every_report_of_the_huge_file_stays_in_the_condensed_list(
    mcp: McpSession, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    result = await mcp.call(BEHAVIOURS, {"id": huge.sha256})
    assert len(text_of(result).encode()) <= BUDGET
    ids = [report["id"] for report in result.structured_content["data"]]
    assert ids == huge.sandbox_ids
    assert "/data/0/attributes/registry_keys_opened" in _trims(result)


async def test_an_ambiguous_section_name_is_a_tool_error_listing_the_paths(
    mcp: McpSession, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    result = await mcp.call(BEHAVIOURS, {"id": huge.sha256, "section": "sandbox_name"})
    assert result.is_error
    assert "/data/0/attributes/sandbox_name" in text_of(result)


async def test_filter_searches_a_huge_section_instead_of_draining_it(
    mcp: McpSession, sim_app: Starlette, corpus: Corpus
) -> None:
    huge = corpus.pick("huge")
    full = (await _upstream(sim_app, f"/files/{huge.sha256}/behaviour_summary"))["data"]
    wanted = [key for key in full["registry_keys_opened"] if "inprocserver32" in key.lower()]
    needle = wanted[-1].rsplit("\\", 2)[-2]  # one CLSID, far beyond the first page
    page = await mcp.call(
        SUMMARY, {"id": huge.sha256, "section": "registry_keys_opened", "filter": needle.upper()}
    )
    assert not page.is_error, text_of(page)
    body = page.structured_content
    expected = [key for key in full["registry_keys_opened"] if needle.lower() in key.lower()]
    assert body["items"] == expected
    assert (body["total"], body["unfiltered_total"]) == (
        len(expected),
        len(full["registry_keys_opened"]),
    )
    assert body["filter"] == needle.upper()
    assert body["next_offset"] is None


async def test_filter_without_section_is_refused_by_the_schema(
    mcp: McpSession, corpus: Corpus
) -> None:
    result = await mcp.call(SUMMARY, {"id": corpus.pick("rich").sha256, "filter": "Run"})
    assert result.is_error
    assert "section" in text_of(result)
