"""The extension contract: a plugin that is not VirusTotal's adds a REST route and an MCP tool,
and both ports serve them with the adapters' own machinery: inbound authentication, the error
body, the request id, the per-client budget and the quota headers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from iocgate.capability import Capability
from iocgate.cli.serving.apps import mcp_app as _mcp_app
from iocgate.cli.serving.apps import rest_app as _rest_app
from iocgate.engine import (
    Caller,
    Plugin,
    PluginContext,
    PluginResource,
    PluginRoute,
    PluginTool,
    Result,
)
from iocgate.errors import InvalidArgumentError
from iocgate.exposes.metrics import Metrics
from iocgate.gateway import bind_app, open_gateway, serve_apps, stop_apps
from iocgate.settings import Settings

OPERATION = "ioc-investigation-files.getAFileReport"
TOKENS = ("tok-rest", "tok-shared", "tok-mcp", "tok-raw", "tok-res")
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


class ReportPlugin(Plugin):
    """A third party's plugin: a file report by hash, as a REST route and as an MCP tool."""

    name = "reports"

    def __init__(self) -> None:
        self.seen: list[Caller] = []

    def applies_to(self, capability: Capability) -> bool:
        return OPERATION in capability.operations

    async def _report(self, context: PluginContext, sha256: Any, caller: Caller) -> Any:
        self.seen.append(caller)
        if sha256 == "refused":
            raise InvalidArgumentError("the reports plugin refuses 'refused'; send a SHA-256")
        loaded = next(
            c for c in context.engine.capabilities if OPERATION in c.capability.operations
        )
        operation = loaded.capability.operations[OPERATION]
        result = await context.engine.invoke(operation, {"id": sha256}, caller=caller)
        return {"status": result.status, "client": caller.client_id}

    def rest_routes(self, context: PluginContext) -> Sequence[PluginRoute]:
        async def handler(arguments: Mapping[str, str], caller: Caller) -> Any:
            return await self._report(context, arguments["id"], caller)

        async def raw(arguments: Mapping[str, str], caller: Caller) -> Any:
            loaded = next(
                c for c in context.engine.capabilities if OPERATION in c.capability.operations
            )
            operation = loaded.capability.operations[OPERATION]
            return await context.engine.invoke(operation, {"id": arguments["id"]}, caller=caller)

        return (
            PluginRoute("/x/reports/{id}/raw", raw, name="plugin-report-raw"),
            PluginRoute(
                "/x/reports/{id}",
                handler,
                name="plugin-report",
                query=("verbose",),
                openapi={"operationId": "pluginReport", "responses": {"200": {}}},
                states_quota=True,
            ),
        )

    def mcp_tools(self, context: PluginContext) -> Sequence[PluginTool]:
        async def handler(arguments: dict[str, Any], caller: Caller) -> Any:
            return await self._report(context, arguments["id"], caller)

        schema = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
        return (PluginTool("plugin-report", "A file report by hash", schema, handler),)

    def mcp_resources(self, context: PluginContext) -> Sequence[PluginResource]:
        async def read(arguments: Mapping[str, str], caller: Caller) -> Result:
            self.seen.append(caller)
            loaded = next(
                c for c in context.engine.capabilities if OPERATION in c.capability.operations
            )
            operation = loaded.capability.operations[OPERATION]
            return await context.engine.invoke(operation, {"id": arguments["id"]}, caller=caller)

        return (
            PluginResource(
                "reports://{id}", "plugin-report", read, mime_type="application/json", binary=False
            ),
        )


@contextlib.asynccontextmanager
async def gateway_with(plugin: Plugin, tmp_path: Path) -> AsyncIterator[tuple[str, str, str]]:
    """Both ports of a demo gateway with ``plugin`` only, as ``iocgate serve`` composes them;
    yields the REST and MCP URLs and a hash the simulator knows."""
    settings = Settings(
        demo=True, cache="off", quota="100/min", quota_wait=0, tokens=TOKENS,
        client_quota="1/min", state_dir=tmp_path, environ={},
    )  # fmt: skip
    async with open_gateway(settings, plugins=(plugin,)) as gateway:
        assert gateway.demo is not None
        rest = bind_app("rest", _rest_app(gateway, settings, Metrics()), "127.0.0.1", 0)
        rest_url = f"http://127.0.0.1:{rest.port}"
        mcp = bind_app("mcp", _mcp_app(gateway, settings, rest_url), "127.0.0.1", 0)
        async with anyio.create_task_group() as group:
            started = anyio.Event()
            group.start_soon(lambda: serve_apps([rest, mcp], started=started))
            await started.wait()
            try:
                yield rest_url, f"http://127.0.0.1:{mcp.port}/mcp", gateway.demo.samples[0][1]
            finally:
                stop_apps([rest, mcp])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    params = {"name": name, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params}


@pytest.mark.anyio
async def test_a_plugin_route_and_tool_get_auth_errors_request_ids_and_client_budgets(
    tmp_path: Path,
) -> None:
    plugin = ReportPlugin()
    async with (
        gateway_with(plugin, tmp_path) as (rest, mcp, sha256),
        httpx.AsyncClient(timeout=30) as http,
    ):
        anonymous = await http.get(f"{rest}/x/reports/{sha256}")
        unknown = await http.get(f"{rest}/x/reports/{sha256}?limt=1", headers=_bearer("tok-rest"))
        refused = await http.get(f"{rest}/x/reports/refused", headers=_bearer("tok-rest"))
        first = await http.get(
            f"{rest}/x/reports/{sha256}", headers=_bearer("tok-rest") | {"X-Request-ID": "req-1"}
        )
        over = await http.get(f"{rest}/x/reports/{sha256}", headers=_bearer("tok-rest"))
        raw = await http.get(f"{rest}/x/reports/{sha256}/raw", headers=_bearer("tok-raw"))
        other = await http.get(f"{rest}/x/reports/{sha256}", headers=_bearer("tok-shared"))
        described = (await http.get(f"{rest}/openapi.json", headers=_bearer("tok-rest"))).json()

        call = _call("plugin-report", {"id": sha256})
        mcp_anonymous = await http.post(mcp, json=call, headers=MCP_HEADERS)
        listed = await http.post(
            mcp,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers=MCP_HEADERS | _bearer("tok-mcp"),
        )
        mcp_first = await http.post(mcp, json=call, headers=MCP_HEADERS | _bearer("tok-mcp"))
        # tok-shared spent its one call a minute on the REST port: the MCP port knows it.
        mcp_over = await http.post(mcp, json=call, headers=MCP_HEADERS | _bearer("tok-shared"))
        templates = await http.post(
            mcp,
            json={"jsonrpc": "2.0", "id": 3, "method": "resources/templates/list"},
            headers=MCP_HEADERS | _bearer("tok-res"),
        )
        read = {"jsonrpc": "2.0", "id": 4, "method": "resources/read"}
        read["params"] = {"uri": f"reports://{sha256}"}
        res_first = await http.post(mcp, json=read, headers=MCP_HEADERS | _bearer("tok-res"))
        # tok-raw spent its call on the REST port: a resource read is charged to it as well.
        res_over = await http.post(mcp, json=read, headers=MCP_HEADERS | _bearer("tok-raw"))
        mcp_refused = await http.post(
            mcp,
            json=_call("plugin-report", {"id": "refused"}),
            headers=MCP_HEADERS | _bearer("tok-mcp"),
        )

    # REST: the adapter's auth, error body, request id, budget and quota headers.
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AuthenticationRequiredError"
    assert unknown.status_code == 400
    assert "unknown query parameter 'limt'" in unknown.json()["error"]["message"]
    assert "allowed: verbose" in unknown.json()["error"]["message"]
    assert refused.status_code == 400
    assert refused.json() == {
        "error": {
            "code": "InvalidArgumentError",
            "message": "the reports plugin refuses 'refused'; send a SHA-256",
        }
    }
    assert refused.headers["x-request-id"]
    assert first.status_code == 200, first.text
    assert first.json()["status"] == 200
    assert first.headers["x-request-id"] == "req-1"
    assert first.headers["x-quota-policy"]
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "QuotaExceededError"
    assert int(over.headers["retry-after"]) >= 1
    assert other.status_code == 200  # another client's budget is its own
    # An engine Result is rendered as a capability route's: the upstream's JSON, X-Cache, quota.
    assert raw.status_code == 200, raw.text
    assert raw.json()["data"]["id"] == sha256
    assert raw.headers["x-cache"] == "MISS" and raw.headers["x-quota-policy"]
    assert "/x/reports/{id}" in described["paths"]
    rest_callers = [c for c in plugin.seen if c.adapter == "rest"]
    assert "req-1" in [c.request_id for c in rest_callers]
    assert len({c.client_id for c in rest_callers}) == 2  # one id per token, never None
    assert None not in {c.client_id for c in rest_callers}

    # MCP: the same auth, budget and error result, with the request id in _meta.
    assert mcp_anonymous.status_code == 401
    assert "plugin-report" in {t["name"] for t in listed.json()["result"]["tools"]}
    result = mcp_first.json()["result"]
    assert result["isError"] is False, result
    assert result["structuredContent"]["status"] == 200
    assert result["_meta"]["iocgate/request_id"]
    over_result = mcp_over.json()["result"]
    assert over_result["isError"] is True
    assert over_result["structuredContent"]["error"]["code"] == "QuotaExceededError"
    refused_result = mcp_refused.json()["result"]
    assert refused_result["isError"] is True
    assert refused_result["structuredContent"]["error"]["code"] == "InvalidArgumentError"
    # MCP resources: listed as templates, read with the reader's caller and budget.
    uris = {t["uriTemplate"] for t in templates.json()["result"]["resourceTemplates"]}
    assert "reports://{id}" in uris
    contents = res_first.json()["result"]["contents"]
    assert sha256 in contents[0]["text"]
    assert "QuotaExceeded" in res_over.text or "quota" in res_over.text.lower(), res_over.text
    mcp_callers = [c for c in plugin.seen if c.adapter == "mcp"]
    assert all(c.client_id and c.request_id for c in mcp_callers)
