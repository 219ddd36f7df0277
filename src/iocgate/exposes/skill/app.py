"""`create_skill_app`: one skill adapter's catalogue, details and files as a Starlette app."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from iocgate.capability import Capability
from iocgate.capability.model import ExposedSkill, ExposesSkill
from iocgate.errors import code_for_status, error_body
from iocgate.exposes.skill.catalog import catalog, detail
from iocgate.exposes.skill.files import (
    SkillFileError,
    list_files,
    location_dir,
    read_file,
    zip_dir,
)

__all__ = ["create_skill_app"]


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The gateway's one error shape (no import of the REST adapter: adapters stay apart)."""
    return JSONResponse(error_body(code_for_status(status), message), status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail
    if message == "Not Found":  # the router's own: say what does exist
        message = "no such path on the skill adapter: GET /skills lists the skills"
    return error_response(exc.status_code, message, dict(exc.headers or {}))


async def _file_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SkillFileError)
    return error_response(exc.status, exc.message)


def create_skill_app(capability: Capability, adapter: ExposesSkill) -> Starlette:
    """``GET /skills``, ``/skills/{name}``, ``.../contents``, ``.../contents/{file}``,
    ``.../download``: what the reference engine's skill server answers."""
    skills = {skill.name: skill for skill in adapter.skills}
    base = capability.path.parent if capability.path else None

    def find(request: Request) -> ExposedSkill:
        name = request.path_params["name"]
        if name not in skills:
            known = ", ".join(skills) or "none"
            raise HTTPException(404, f"no skill {name!r} (known: {known}); GET /skills lists them")
        return skills[name]

    def files_of(request: Request) -> tuple[ExposedSkill, Path]:
        """The skill and its files' directory (a `SkillFileError` when it has none)."""
        skill = find(request)
        return skill, location_dir(skill.location, skill.name, base)

    async def list_skills(request: Request) -> Response:
        return JSONResponse(catalog(adapter))

    async def show(request: Request) -> Response:
        return JSONResponse(detail(capability, find(request)))

    async def contents(request: Request) -> Response:
        skill, root = files_of(request)
        files = await anyio.to_thread.run_sync(list_files, root)
        return JSONResponse({"name": skill.name, "files": files})

    async def one_file(request: Request) -> Response:
        _, root = files_of(request)
        path, media_type = read_file(root, request.path_params["file"])
        return FileResponse(path, media_type=media_type)

    async def download(request: Request) -> Response:
        skill, root = files_of(request)
        body = await anyio.to_thread.run_sync(zip_dir, root)
        disposition = f'attachment; filename="{skill.name}.zip"'
        return Response(body, media_type="application/zip",
                        headers={"content-disposition": disposition})  # fmt: skip

    routes = [
        Route("/skills", list_skills, methods=["GET"]),
        Route("/skills/{name}", show, methods=["GET"]),
        Route("/skills/{name}/contents", contents, methods=["GET"]),
        Route("/skills/{name}/contents/{file:path}", one_file, methods=["GET"]),
        Route("/skills/{name}/download", download, methods=["GET"]),
    ]
    handlers = {HTTPException: _http_error, SkillFileError: _file_error}
    return Starlette(routes=routes, exception_handlers=handlers)
