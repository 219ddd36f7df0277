"""REST routes of the investigation: ``/x/investigate/{id}`` and its exports.

Each route runs `investigate` through the engine (so repeated requests for the same file are
cache hits that cost no quota) and renders one view of the brief. They are `PluginRoute`s the
VirusTotal plugin contributes (`VirusTotalPlugin.rest_routes`): the REST adapter gives them the
caller, request id, error body (400 bad hash or sandbox, 404 unknown file, 429 quota with
``Retry-After``), quota headers and access log of every capability route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from iocgate.engine import (
    CacheMode,
    Caller,
    Engine,
    PluginResponse,
    PluginRoute,
    QuotaStatus,
)
from iocgate.engine.extensions import RouteHandler
from iocgate.virustotal.exports import (
    iocs_csv,
    iocs_json,
    navigator_layer,
    report_html,
    report_markdown,
    stix_json,
)
from iocgate.virustotal.exports.html import CSP
from iocgate.virustotal.ids import HASH_PATTERN
from iocgate.virustotal.investigate import Brief, estimate_plan, investigate

__all__ = ["PREFIX", "investigation_routes"]

PREFIX = "/x/investigate"

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

#: One view of the brief: (brief, the request's arguments) -> the answer.
Render = Callable[[Brief, Mapping[str, str]], PluginResponse]


def _brief_headers(brief: Brief, caller: Caller) -> tuple[dict[str, str], QuotaStatus | None]:
    """What the brief cost (``X-Iocgate-Upstream-Calls``, ``X-Cache``) and the budget left
    after its last upstream call (None when every answer came from the cache)."""
    cost = brief.cost
    if caller.cache_mode is CacheMode.BYPASS:
        cache = "BYPASS"
    else:
        cache = "HIT" if cost.upstream_calls == 0 and cost.requests else "MISS"
    quota = None
    if cost.quota_policy is not None:
        quota = QuotaStatus(
            policy=cost.quota_policy,
            remaining_minute=cost.quota_remaining_minute,
            remaining_day=cost.quota_remaining_day,
            remaining_month=cost.quota_remaining_month,
        )
    return {"X-Iocgate-Upstream-Calls": str(cost.upstream_calls), "X-Cache": cache}, quota


def _is_true(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _view_handler(engine: Engine, render: Render) -> RouteHandler:
    async def handler(arguments: Mapping[str, str], caller: Caller) -> PluginResponse:
        # `sandbox` restricts the brief (and so every view of it), as in the CLI and MCP.
        brief = await investigate(
            engine,
            arguments["id"],
            caller=caller,
            sandbox=arguments.get("sandbox") or None,
            include_noise=_is_true(arguments.get("include_noise")),
        )
        answer = render(brief, arguments)
        headers, quota = _brief_headers(brief, caller)
        return replace(answer, headers={**answer.headers, **headers}, quota=quota)

    return handler


def _plan_handler(engine: Engine) -> RouteHandler:
    async def handler(arguments: Mapping[str, str], caller: Caller) -> Any:
        return (await estimate_plan(engine, arguments["id"])).to_json()

    return handler


def _brief(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    return PluginResponse(brief.to_dict())


def _navigator(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    return PluginResponse(navigator_layer(brief, sandbox=arguments.get("sandbox") or None))


def _stix(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    # STIX's own media type when the client asks for it (TAXII clients do); plain JSON else.
    media = (
        STIX_MEDIA_TYPE
        if "application/stix+json" in arguments.get("accept", "")
        else "application/json"
    )
    return PluginResponse(stix_json(brief), media_type=media)


def _iocs_csv(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    digest = brief.file.sha256 or brief.file.queried
    return PluginResponse(
        iocs_csv(brief),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="iocs-{digest}.csv"'},
    )


def _iocs_json(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    return PluginResponse(iocs_json(brief))


def _report_html(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    return PluginResponse(
        report_html(brief),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _report_md(brief: Brief, arguments: Mapping[str, str]) -> PluginResponse:
    return PluginResponse(report_markdown(brief), media_type="text/markdown; charset=utf-8")


_QUOTA_HEADERS: dict[str, Any] = {
    "X-Quota-Policy": {"schema": {"type": "string"}},
    "X-Quota-Remaining-Minute": {"schema": {"type": "integer"}},
    "X-Quota-Remaining-Day": {"schema": {"type": "integer"}},
    "X-Quota-Remaining-Month": {"schema": {"type": "integer"}},
}

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


_SANDBOX_PARAMETER = {
    "name": "sandbox",
    "in": "query",
    "required": False,
    "description": "Only this sandbox's report (e.g. `Zenbox`); 400 when the file has none.",
    "schema": {"type": "string", "maxLength": 100},
}


_VIEWS: tuple[tuple[str, str, Render], ...] = (
    ("", "investigate", _brief),
    ("/navigator", "investigate-navigator", _navigator),
    ("/stix", "investigate-stix", _stix),
    ("/iocs.csv", "investigate-iocs-csv", _iocs_csv),
    ("/iocs.json", "investigate-iocs-json", _iocs_json),
    ("/report.html", "investigate-report-html", _report_html),
    ("/report.md", "investigate-report-md", _report_md),
)


def investigation_routes(engine: Engine) -> list[PluginRoute]:
    """The investigation's GET routes, bound to ``engine``; ``/plan`` costs no quota."""
    described = _openapi_paths()
    routes = [
        PluginRoute(
            f"{PREFIX}/{{id}}{suffix}",
            _view_handler(engine, render),
            name=name,
            query=("sandbox", "include_noise"),
            headers=("accept",) if render is _stix else (),
            openapi=described[f"{PREFIX}/{{id}}{suffix}"]["get"],
            states_quota=True,
        )
        for suffix, name, render in _VIEWS
    ]
    routes.append(
        PluginRoute(
            f"{PREFIX}/{{id}}/plan",
            _plan_handler(engine),
            name="investigate-plan",
            openapi=described[f"{PREFIX}/{{id}}/plan"]["get"],
            states_quota=True,
        )
    )
    return routes


def _operation(operation_id: str, summary: str, content: dict[str, Any]) -> dict[str, Any]:
    errors = {
        "400": "The hash (or `sandbox`) is malformed: nothing was sent upstream.",
        "404": "VirusTotal does not know this file.",
        "429": "Quota exhausted; `Retry-After` says when to come back.",
    }
    return {
        "tags": ["investigation"],
        "operationId": operation_id,
        "summary": summary,
        "parameters": [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": "The file's SHA-256, SHA-1 or MD5.",
                "schema": {"type": "string", "pattern": HASH_PATTERN},
            },
            _SANDBOX_PARAMETER,
        ],
        "responses": {
            "200": {
                "description": "OK. `X-Iocgate-Upstream-Calls` says how many quota units it "
                "cost (0 when every answer was cached: `X-Cache: HIT`); `X-Quota-*` what is left.",
                "headers": {
                    "X-Iocgate-Upstream-Calls": {"schema": {"type": "integer", "minimum": 0}},
                    "X-Cache": {"schema": {"enum": ["HIT", "MISS", "BYPASS"]}},
                    **_QUOTA_HEADERS,
                },
                "content": content,
            },
            **{
                status: {
                    "description": text,
                    "content": {"application/json": {"schema": _ERROR_SCHEMA}},
                    **(
                        {"headers": {"Retry-After": {"schema": {"type": "integer"}}}}
                        if status == "429"
                        else {}
                    ),
                }
                for status, text in errors.items()
            },
        },
    }


def _openapi_paths() -> dict[str, Any]:
    """OpenAPI 3.1 path items for `investigation_routes` (self-contained: no ``$ref``)."""
    json_object = {"application/json": {"schema": {"type": "object"}}}
    navigator = _operation(
        "investigateNavigator",
        "ATT&CK Navigator layer (format 4.5) of the file's techniques",
        json_object,
    )
    text = {"schema": {"type": "string"}}
    plan = _operation(
        "investigatePlan",
        "The quota plan before investigating: calls, exactness, cached answers",
        json_object,
    )
    plan["responses"]["200"]["description"] = (
        "The plan; nothing is spent. `X-Quota-*` say what the budget has left."
    )
    plan["responses"]["200"]["headers"] = dict(_QUOTA_HEADERS)
    plan["parameters"] = plan["parameters"][:1]  # the plan covers every sandbox
    return {
        f"{PREFIX}/{{id}}": {
            "get": _operation(
                "investigate",
                "Investigate a file in one step: verdict brief with techniques and indicators",
                json_object,
            )
        },
        f"{PREFIX}/{{id}}/navigator": {"get": navigator},
        f"{PREFIX}/{{id}}/stix": {
            "get": _operation(
                "investigateStix",
                "STIX 2.1 bundle (malware, indicators, attack patterns, observed data)",
                {STIX_MEDIA_TYPE: {"schema": {"type": "object"}}, **json_object},
            )
        },
        f"{PREFIX}/{{id}}/iocs.csv": {
            "get": _operation(
                "investigateIocsCsv",
                "IoC list as CSV: type,value,context,sandboxes",
                {"text/csv": text},
            )
        },
        f"{PREFIX}/{{id}}/iocs.json": {
            "get": _operation("investigateIocsJson", "IoC list as JSON", json_object)
        },
        f"{PREFIX}/{{id}}/report.html": {
            "get": _operation(
                "investigateReportHtml",
                "Self-contained HTML report with an ATT&CK heat map",
                {"text/html": text},
            )
        },
        f"{PREFIX}/{{id}}/plan": {"get": plan},
        f"{PREFIX}/{{id}}/report.md": {
            "get": _operation(
                "investigateReportMarkdown", "Markdown report", {"text/markdown": text}
            )
        },
    }
