"""REST routes of the investigation: ``/x/investigate/{id}`` and its exports.

Each route runs `investigate` through the engine (so repeated requests for the same file are
cache hits that cost no quota) and renders one view of the brief. Errors use VirusTotal's shape
``{"error": {"code", "message"}}`` with the error's status (400 bad hash or sandbox, 404
unknown file, 429 quota with ``Retry-After``). The composition root passes these to the REST
adapter as ``RestOptions(extra_routes=..., extra_openapi_paths=...)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iocgate.engine import CacheMode, Caller, Engine, QuotaStatus, request_id_from
from iocgate.errors import InvalidArgumentError, IocgateError, QuotaExceededError
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

__all__ = ["PREFIX", "investigation_openapi_paths", "investigation_routes"]

PREFIX = "/x/investigate"

# The scope key where the REST adapter's bearer-auth middleware names the client
# (iocgate.exposes.auth.CLIENT_ID_KEY; not imported: this layer may not import adapters).
_CLIENT_ID_KEY = "iocgate.client_id"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

Render = Callable[[Brief, Request], Response]


def _json(data: Any, status: int = 200, media_type: str = "application/json") -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status, media_type=media_type)


def _error(exc: IocgateError) -> Response:
    response = _json(exc.to_body(), exc.status)
    if isinstance(exc, QuotaExceededError):
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


def _caller(request: Request) -> tuple[Caller, bool]:
    """The caller, and whether this route must set ``X-Request-ID`` itself."""
    from_adapter = getattr(request.state, "request_id", None)
    sent = request.headers.get("x-request-id")
    if isinstance(from_adapter, str):
        request_id, own = from_adapter, False  # the adapter's middleware adds the header
    else:
        request_id = request_id_from(sent)
        own = True
    mode = CacheMode.from_cache_control(request.headers.get("cache-control"))
    client = request.scope.get(_CLIENT_ID_KEY) or (request.client.host if request.client else None)
    caller = Caller(
        adapter="rest",
        client_id=str(client) if client else None,
        request_id=request_id,
        cache_mode=mode,
    )
    return caller, own


def _quota_headers(quota: QuotaStatus) -> dict[str, str]:
    """The budget left, as the REST adapter states it on every answer (``X-Quota-*``)."""
    headers = {"X-Quota-Policy": quota.policy}
    for window, left in (
        ("Minute", quota.remaining_minute),
        ("Day", quota.remaining_day),
        ("Month", quota.remaining_month),
    ):
        if left is not None:
            headers[f"X-Quota-Remaining-{window}"] = str(left)
    return headers


async def _brief_headers(engine: Engine, brief: Brief, caller: Caller) -> dict[str, str]:
    cost = brief.cost
    if caller.cache_mode is CacheMode.BYPASS:
        cache = "BYPASS"
    else:
        cache = "HIT" if cost.upstream_calls == 0 and cost.requests else "MISS"
    if cost.quota_policy is not None:
        quota = QuotaStatus(
            policy=cost.quota_policy,
            remaining_minute=cost.quota_remaining_minute,
            remaining_day=cost.quota_remaining_day,
            remaining_month=cost.quota_remaining_month,
        )
    else:  # every answer came from the cache: nothing was asked of the quota
        quota = await engine.quota_status()
    return {
        "X-Iocgate-Upstream-Calls": str(cost.upstream_calls),
        "X-Cache": cache,
        **_quota_headers(quota),
    }


def _query(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, refusing unknown or repeated ones as the ``/v1`` routes do."""
    given: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise InvalidArgumentError(
                f"unknown query parameter {name[:80]!r} for GET {request.url.path} "
                f"(allowed: {', '.join(allowed) or 'none'})"
            )
        if name in given:
            raise InvalidArgumentError(f"query parameter {name!r} is given more than once")
        given[name] = value
    return given


def _is_true(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _endpoint(engine: Engine, render: Render) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        caller, own_request_id = _caller(request)
        try:
            # `sandbox` restricts the brief (and so every view of it), as in the CLI and MCP.
            query = _query(request, ("sandbox", "include_noise"))
            brief = await investigate(
                engine,
                request.path_params["id"],
                caller=caller,
                sandbox=query.get("sandbox") or None,
                include_noise=_is_true(query.get("include_noise")),
            )
            response = render(brief, request)
            response.headers.update(await _brief_headers(engine, brief, caller))
        except IocgateError as exc:
            response = _error(exc)
        if own_request_id:
            response.headers["X-Request-ID"] = caller.request_id or ""
        return response

    return endpoint


def _plan_endpoint(engine: Engine) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        caller, own_request_id = _caller(request)
        try:
            _query(request, ())
            planned = await estimate_plan(engine, request.path_params["id"])
            response = _json(planned.to_json())
            response.headers.update(_quota_headers(await engine.quota_status()))
        except IocgateError as exc:
            response = _error(exc)
        if own_request_id:
            response.headers["X-Request-ID"] = caller.request_id or ""
        return response

    return endpoint


def _brief(brief: Brief, request: Request) -> Response:
    return _json(brief.to_dict())


def _navigator(brief: Brief, request: Request) -> Response:
    sandbox = request.query_params.get("sandbox") or None
    return _json(navigator_layer(brief, sandbox=sandbox))


def _stix(brief: Brief, request: Request) -> Response:
    accept = request.headers.get("accept", "")
    # STIX's own media type when the client asks for it (TAXII clients do); plain JSON else.
    media = STIX_MEDIA_TYPE if "application/stix+json" in accept else "application/json"
    return Response(stix_json(brief).encode(), media_type=media)


def _iocs_csv(brief: Brief, request: Request) -> Response:
    digest = brief.file.sha256 or brief.file.queried
    return Response(
        iocs_csv(brief).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="iocs-{digest}.csv"'},
    )


def _iocs_json(brief: Brief, request: Request) -> Response:
    return _json(iocs_json(brief))


def _report_html(brief: Brief, request: Request) -> Response:
    return Response(
        report_html(brief).encode(),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _report_md(brief: Brief, request: Request) -> Response:
    return Response(report_markdown(brief).encode(), media_type="text/markdown; charset=utf-8")


_VIEWS: tuple[tuple[str, str, Render], ...] = (
    ("", "investigate", _brief),
    ("/navigator", "investigate-navigator", _navigator),
    ("/stix", "investigate-stix", _stix),
    ("/iocs.csv", "investigate-iocs-csv", _iocs_csv),
    ("/iocs.json", "investigate-iocs-json", _iocs_json),
    ("/report.html", "investigate-report-html", _report_html),
    ("/report.md", "investigate-report-md", _report_md),
)


def investigation_routes(engine: Engine) -> list[Route]:
    """The investigation's GET routes, bound to ``engine``; ``/plan`` costs no quota."""
    routes = [
        Route(f"{PREFIX}/{{id}}{suffix}", _endpoint(engine, render), methods=["GET"], name=name)
        for suffix, name, render in _VIEWS
    ]
    routes.append(
        Route(
            f"{PREFIX}/{{id}}/plan",
            _plan_endpoint(engine),
            methods=["GET"],
            name="investigate-plan",
        )
    )
    return routes


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


def investigation_openapi_paths() -> dict[str, Any]:
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
