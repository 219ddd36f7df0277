"""The generic runtime over the capability family's constructs, several files in one gateway,
and the write gate, against a recording upstream on a real socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from iocgate.errors import CapabilityError, QuotaExceededError
from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.gateway import Gateway, open_gateway
from iocgate.settings import load_settings
from iocgate.virustotal import DEFAULT_CAPABILITY
from tests.support.echo_upstream import EchoState, create_echo_app
from tests.support.servers import run_server

pytestmark = pytest.mark.anyio

FAMILY = Path(__file__).parents[2] / "fixtures" / "family"
ITEMS, NOTES, CONFLICTING = (
    FAMILY / "items.yaml",
    FAMILY / "notes.yaml",
    FAMILY / "conflicting.yaml",
)


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, EchoState]]:
    app = create_echo_app()
    with run_server(app) as url:
        yield url, app.state.echo


@asynccontextmanager
async def gateway(
    echo_url: str, tmp_path: Path, *files: Path, **flags: Any
) -> AsyncIterator[Gateway]:
    flags.setdefault("cache", "memory")
    flags.setdefault("state_dir", tmp_path)  # never the user's own quota counters
    settings = load_settings(
        {"capabilities": files, "upstream": echo_url, "state_dir": tmp_path / "state", **flags},
        environ={"ITEMS_KEY": "items-secret", "XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened:
        yield opened


@asynccontextmanager
async def rest(opened: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    app = create_rest_app(opened.engine, RestOptions())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def test_query_header_and_no_parameter_operations_reach_the_upstream(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    async with gateway(url, tmp_path, ITEMS) as opened, rest(opened) as client:
        listed = await client.get("/v1/items?limit=5&filter=red", headers={"x-tool": "iocgate-t"})
        pinged = await client.get("/v1/ping")
    assert listed.status_code == 200 and pinged.status_code == 200
    sent = state.requests[-2]
    assert (sent.method, sent.path, sent.query) == ("GET", "/items", "limit=5&filter=red")
    assert sent.headers["x-tool"] == "iocgate-t" and sent.headers["x-apikey"] == "items-secret"
    assert state.requests[-1].path == "/ping"


async def test_writes_are_refused_until_allowed_and_name_the_setting(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    before = len(state.requests)
    async with gateway(url, tmp_path, ITEMS) as opened, rest(opened) as client:
        refused = await client.post("/v1/items", json={"name": "x"})
        deleted = await client.delete("/v1/items/7", headers={"x-confirm-delete": "yes"})
    assert refused.status_code == 403 and "--allow-writes" in refused.json()["error"]["message"]
    assert (
        deleted.status_code == 403 and "--allow-destructive" in deleted.json()["error"]["message"]
    )
    assert len(state.requests) == before  # nothing reached the upstream


async def test_allowed_writes_send_the_json_body_and_are_not_retried(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    async with gateway(url, tmp_path, ITEMS, allow_writes=True) as opened, rest(opened) as client:
        created = await client.post("/v1/items", json={"name": "x", "tags": ["a"]})
        patched = await client.patch("/v1/items/a%2Fb", json={"name": "y"})
        still_refused = await client.delete("/v1/items/7", headers={"x-confirm-delete": "yes"})
        state.fail_next = 1
        before = len(state.requests)
        failed = await client.post("/v1/items", json={"name": "z"})
    assert created.status_code == 200 and created.json()["data"]["body"] == {
        "name": "x",
        "tags": ["a"],
    }
    assert patched.json()["data"]["path"] == "/items/a%2Fb"  # one encoded segment
    assert still_refused.status_code == 403  # DELETE needs its own opt-in
    assert failed.status_code == 503 and len(state.requests) == before + 1  # POST: no retry


async def test_destructive_operations_pass_with_their_own_opt_in(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    async with (
        gateway(url, tmp_path, ITEMS, allow_destructive=True) as opened,
        rest(opened) as client,
    ):
        deleted = await client.delete("/v1/items/7", headers={"x-confirm-delete": "yes"})
    assert deleted.status_code == 200
    assert state.requests[-1].method == "DELETE"
    assert state.requests[-1].headers["x-confirm-delete"] == "yes"


async def test_mcp_tools_of_two_capabilities_are_listed_and_writes_are_tool_errors(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, _ = echo
    async with gateway(url, tmp_path, ITEMS, NOTES) as opened:
        server = create_mcp_server(opened.engine, McpOptions())
        async with Client(server) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            note = await client.call_tool("get-note", {"id": "n1"})
            refused = await client.call_tool("create-item", {"body": {"name": "x"}})
    assert {"list-items", "create-item", "delete-item", "ping", "get-note"} <= set(tools)
    # The spec's label is the MCP title (the description stays the description).
    assert tools["get-note"].title == "Read one note"
    assert tools["get-note"].description == "Get a note"
    assert tools["get-note"].annotations is not None
    assert tools["get-note"].annotations.title == "Read one note"
    assert not note.is_error and note.structured_content is not None
    assert refused.is_error
    assert "--allow-writes" in " ".join(getattr(c, "text", "") for c in refused.content)


async def test_a_generic_capability_answers_first_and_its_notice_names_it_not_sandboxes(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, _ = echo
    async with gateway(url, tmp_path, NOTES) as opened:
        server = create_mcp_server(opened.engine, McpOptions())
        async with Client(server) as client:
            note = await client.call_tool("get-note", {"id": "n1"})
    answer, notice = (getattr(block, "text", "") for block in note.content)
    assert json.loads(answer) == note.structured_content
    assert "Notes capability" in notice and "untrusted data" in notice
    assert "sandbox" not in notice.lower()


async def test_without_a_virustotal_key_other_capabilities_call_their_declared_upstream(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    notes = tmp_path / "notes.yaml"
    notes.write_text(NOTES.read_text().replace("https://items.example/api/v3", url))
    settings = load_settings(
        {"capabilities": (notes,), "cache": "memory"},
        environ={"ITEMS_KEY": "items-secret", "XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened, rest(opened) as client:
        answer = await client.get("/v1/notes/n1")
    assert opened.demo is None  # no simulator: this capability does not bind the VT key
    assert answer.status_code == 200, answer.text
    assert "x-iocgate-demo" not in answer.headers
    assert state.requests[-1].path == "/notes/n1"
    assert state.requests[-1].headers["x-apikey"] == "items-secret"


async def test_demo_mode_serves_the_seed_from_the_simulator_and_others_from_their_upstream(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, state = echo
    notes = tmp_path / "notes.yaml"
    notes.write_text(NOTES.read_text().replace("https://items.example/api/v3", url))
    settings = load_settings(
        {"capabilities": (DEFAULT_CAPABILITY, notes), "cache": "memory"},
        environ={"ITEMS_KEY": "items-secret", "XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened, rest(opened) as client:
        assert opened.demo is not None
        sha = opened.demo.samples[0][1]
        seed = await client.get(f"/v1/files/{sha}/behaviour_summary")
        note = await client.get("/v1/notes/n2")
    assert seed.status_code == 200, seed.text
    assert note.status_code == 200, note.text
    assert state.requests[-1].path == "/notes/n2"


async def test_openapi_lists_every_route_of_every_capability(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, _ = echo
    async with gateway(url, tmp_path, ITEMS, NOTES) as opened, rest(opened) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/v1/items", "/v1/items/{id}", "/v1/ping", "/v1/notes/{id}"} <= set(paths)
    assert {"get", "post"} <= set(paths["/v1/items"])
    assert {"patch", "delete"} <= set(paths["/v1/items/{id}"])


async def test_a_route_or_tool_claimed_by_two_files_is_a_start_up_error_naming_both(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, _ = echo
    with pytest.raises(CapabilityError) as caught:
        async with gateway(url, tmp_path, ITEMS, CONFLICTING):
            pass
    message = str(caught.value)
    assert "items.yaml" in message and "conflicting.yaml" in message


async def test_two_capabilities_on_one_key_share_one_quota_budget(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    url, _ = echo
    async with (
        gateway(url, tmp_path, ITEMS, NOTES, quota="2/min", quota_wait=0.0, cache="off") as opened,
        rest(opened) as client,
    ):
        first = await client.get("/v1/ping")
        second = await client.get("/v1/notes/n1")
        third = await client.get("/v1/notes/n2")
    assert first.status_code == 200 and second.status_code == 200
    assert third.status_code == 429 and third.json()["error"]["code"] == QuotaExceededError.code
    assert int(third.headers["retry-after"]) >= 1


async def test_a_route_reading_a_header_never_serves_one_callers_answer_to_another(
    echo: tuple[str, EchoState], tmp_path: Path
) -> None:
    # Issue #16: the REST fast path keyed on path and query only, so after two hits with
    # `x-tool: a` a caller sending `x-tool: b` got a's answer without reaching the upstream.
    # httpx asks for gzip by default, and the fast path leaves gzip to the full path: identity.
    url, state = echo
    plain = {"accept-encoding": "identity"}
    async with gateway(url, tmp_path, ITEMS) as opened, rest(opened) as client:
        for _ in range(3):
            await client.get("/v1/items?limit=1", headers={"x-tool": "a", **plain})
        before = len(state.requests)
        other = await client.get("/v1/items?limit=1", headers={"x-tool": "b", **plain})
    assert other.headers["x-cache"] == "MISS"
    assert len(state.requests) == before + 1
    assert state.requests[-1].headers["x-tool"] == "b"
