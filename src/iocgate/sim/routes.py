"""The `/api/v3` endpoints: reports, summary, ATT&CK trees, relationships and artefacts.

Key, quota and faults are already handled by `guard.ApiGuard` when a handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from iocgate.sim.artefacts import artefact_response
from iocgate.sim.corpus import SandboxReport, SimFile
from iocgate.sim.derive import behaviour_mitre_trees, behaviour_summary
from iocgate.sim.errors import error_response
from iocgate.sim.guard import TIER_SCOPE_KEY
from iocgate.sim.keys import Tier
from iocgate.sim.objects import file_attributes, full_object
from iocgate.sim.pagination import PageError, collection, parse_page
from iocgate.sim.relationships import ONE_TO_ONE, RELATIONSHIPS, descriptor, related_items
from iocgate.sim.responses import api_base, json_response, origin
from iocgate.sim.sandboxes import ARTEFACTS
from iocgate.sim.state import SimState
from iocgate.sim.storage import storage_token

__all__ = ["api_routes"]


def _state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def _file_or_404(request: Request) -> SimFile | Response:
    file_id: str = request.path_params["file_id"]
    sim_file = _state(request).corpus.find_file(file_id)
    if sim_file is None:
        return error_response("NotFoundError", f'File "{file_id}" not found')
    return sim_file


def _report_or_404(request: Request) -> SandboxReport | Response:
    sandbox_id: str = request.path_params["sandbox_id"]
    report = _state(request).corpus.find_report(sandbox_id)
    if report is None:
        return error_response("NotFoundError", f'File behaviour "{sandbox_id}" not found')
    return report


def _report_object(report: SandboxReport, base: str) -> dict[str, Any]:
    # VirusTotal's links.self keeps the raw space of the sandbox name (vt-api.md §1).
    return {
        "type": "file_behaviour",
        "id": report.id,
        "links": {"self": f"{base}/file_behaviours/{report.id}"},
        "attributes": report.attributes,
    }


async def file_behaviours(request: Request) -> Response:
    """`/files/{id}/behaviours`: every report of a file, as full objects, paginated."""
    found = _file_or_404(request)
    if isinstance(found, Response):
        return found
    try:
        page = parse_page(request.query_params)
    except PageError as error:
        return error_response("InvalidArgumentError", str(error))
    base = api_base(request)
    objects = [_report_object(report, base) for report in found.reports]
    return json_response(
        request, collection(objects, page, f"{base}/files/{found.sha256}/behaviours")
    )


async def file_object(request: Request) -> Response:
    """`/files/{id}`: the file object (detections, names, hashes, signature, rules)."""
    found = _file_or_404(request)
    if isinstance(found, Response):
        return found
    base = api_base(request)
    return json_response(
        request,
        {
            "data": {
                "type": "file",
                "id": found.sha256,
                "links": {"self": f"{base}/files/{found.sha256}"},
                "attributes": file_attributes(found),
            }
        },
    )


async def analyse_file(request: Request) -> Response:
    """`POST /files/{id}/analyse`: queue a new analysis; answers the analysis descriptor."""
    found = _file_or_404(request)
    if isinstance(found, Response):
        return found
    analysis_id = f"f-{found.sha256[:32]}-{int(_state(request).clock())}"
    return json_response(
        request,
        {
            "data": {
                "type": "analysis",
                "id": analysis_id,
                "links": {"self": f"{api_base(request)}/analyses/{analysis_id}"},
            }
        },
    )


async def behaviour_summary_view(request: Request) -> Response:
    """`/files/{id}/behaviour_summary`: a plain dict under `data`, not an object."""
    found = _file_or_404(request)
    if isinstance(found, Response):
        return found
    return json_response(request, {"data": behaviour_summary(found.reports)})


async def mitre_trees_view(request: Request) -> Response:
    """`/files/{id}/behaviour_mitre_trees`: ATT&CK tactics per sandbox name."""
    found = _file_or_404(request)
    if isinstance(found, Response):
        return found
    self_url = f"{api_base(request)}/files/{found.sha256}/behaviour_mitre_trees"
    return json_response(
        request, {"data": behaviour_mitre_trees(found.reports), "links": {"self": self_url}}
    )


async def file_behaviour(request: Request) -> Response:
    """`/file_behaviours/{sandbox_id}`, with `?relationships=a,b` descriptors if asked."""
    found = _report_or_404(request)
    if isinstance(found, Response):
        return found
    base = api_base(request)
    obj = _report_object(found, base)
    wanted = [name for name in request.query_params.get("relationships", "").split(",") if name]
    if wanted:
        unknown = [name for name in wanted if name not in RELATIONSHIPS]
        if unknown:
            return _unknown_relationship(unknown[0])
        obj["relationships"] = {name: _embedded(found, name, base) for name in wanted}
    return json_response(request, {"data": obj})


def _embedded(report: SandboxReport, name: str, base: str) -> dict[str, Any]:
    self_url = f"{base}/file_behaviours/{report.id}/relationships/{name}"
    links = {"self": self_url, "related": f"{base}/file_behaviours/{report.id}/{name}"}
    items = [descriptor(item) for item in related_items(report, name)]
    if name in ONE_TO_ONE:
        return {"data": items[0], "links": links}
    page = collection(items, parse_page({}), self_url)
    embedded: dict[str, Any] = {"data": page["data"], "links": links}
    if "cursor" in page["meta"]:
        embedded["meta"] = {"cursor": page["meta"]["cursor"]}
        links["next"] = page["links"]["next"]
    return embedded


def _unknown_relationship(name: str) -> Response:
    return error_response(
        "InvalidArgumentError",
        f'Relationship "{name}" is not valid for file_behaviour objects; '
        f"valid relationships are: {', '.join(RELATIONSHIPS)}",
    )


async def relationship_objects(request: Request) -> Response:
    """`/file_behaviours/{sandbox_id}/{relationship}`: related items as full objects."""
    return _relationship(request, descriptors=False)


async def relationship_descriptors(request: Request) -> Response:
    """`/file_behaviours/{sandbox_id}/relationships/{relationship}`: `{type, id}` only."""
    return _relationship(request, descriptors=True)


def _relationship(request: Request, *, descriptors: bool) -> Response:
    name: str = request.path_params["relationship"]
    if name not in RELATIONSHIPS:
        return _unknown_relationship(name)
    found = _report_or_404(request)
    if isinstance(found, Response):
        return found
    try:
        page = parse_page(request.query_params)
    except PageError as error:
        return error_response("InvalidArgumentError", str(error))
    base = api_base(request)
    corpus = _state(request).corpus
    items = [
        descriptor(item)
        if descriptors
        else full_object(corpus, item.type, item.id, base, item.context)
        for item in related_items(found, name)
    ]
    kind = "relationships/" if descriptors else ""
    self_url = f"{base}/file_behaviours/{found.id}/{kind}{name}"
    if name in ONE_TO_ONE:
        return json_response(
            request, {"meta": {"count": 1}, "data": items[0], "links": {"self": self_url}}
        )
    return json_response(request, collection(items, page, self_url))


def _artefact_endpoint(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return _artefact(request, name)

    endpoint.__name__ = f"{name}_artefact"
    return endpoint


def _artefact(request: Request, name: str) -> Response:
    """`/file_behaviours/{sandbox_id}/{pcap|evtx|memdump|html}`: privileged keys only."""
    state = _state(request)
    tier = request.scope.get("state", {}).get(TIER_SCOPE_KEY)
    gated = name != "html" or state.settings.html_requires_privilege
    if gated and tier is not Tier.PRIVILEGED:
        return error_response(
            "ForbiddenError",
            f"You are not allowed to perform the requested operation: downloading {name} "
            "artefacts requires a premium API key",
        )
    found = _report_or_404(request)
    if isinstance(found, Response):
        return found
    if name not in found.artefacts:
        return error_response("NotFoundError", f'No {name} for file behaviour "{found.id}"')
    if state.settings.redirect_artefacts:
        token = storage_token(state, found.id, name)
        return RedirectResponse(f"{origin(request)}/_storage/{token}", status_code=302)
    return artefact_response(
        found, name, memdump_size=state.settings.memdump_size, head=request.method == "HEAD"
    )


def api_routes() -> list[BaseRoute]:
    """The routes, literal segments before `{relationship}` so `pcap` is never a relationship."""
    return [
        Route("/files/{file_id}", file_object, methods=["GET"]),
        Route("/files/{file_id}/analyse", analyse_file, methods=["POST"]),
        Route("/files/{file_id}/behaviours", file_behaviours, methods=["GET"]),
        Route("/files/{file_id}/behaviour_summary", behaviour_summary_view, methods=["GET"]),
        Route("/files/{file_id}/behaviour_mitre_trees", mitre_trees_view, methods=["GET"]),
        Route("/file_behaviours/{sandbox_id}", file_behaviour, methods=["GET"]),
        Route(
            "/file_behaviours/{sandbox_id}/relationships/{relationship}",
            relationship_descriptors,
            methods=["GET"],
        ),
        # google/mcp-security uses the singular spelling; VirusTotal seems to accept it.
        Route(
            "/file_behaviours/{sandbox_id}/relationship/{relationship}",
            relationship_descriptors,
            methods=["GET"],
        ),
        *(
            Route(
                f"/file_behaviours/{{sandbox_id}}/{name}", _artefact_endpoint(name), methods=["GET"]
            )
            for name in ARTEFACTS
        ),
        Route(
            "/file_behaviours/{sandbox_id}/{relationship}", relationship_objects, methods=["GET"]
        ),
    ]
