"""Declared binary content: ``outputRawFormat: binary`` streams the bytes whatever their
Content-Type says, under ``outputMediaType``, bounded by ``maxBinarySize``; MCP answers image,
audio or embedded blob content by media type, and a link with a digest past its inline bound."""

from __future__ import annotations

import base64
import hashlib
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import mcp_types as types
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.gateway import Gateway, open_gateway
from iocgate.settings import load_settings
from tests.support.servers import run_server

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parents[2] / "fixtures" / "formats"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x01" * 64
PDF = b"%PDF-1.7\n" + b"%\xe2\xe3\xcf\xd3\n" * 100
LARGE = bytes(range(256)) * 8192  # 2 MiB: over the inline bound, under its maxBinarySize
CAPPED = b"x" * 2048  # over its 1KiB maxBinarySize


@dataclass
class Served:
    requests: int = 0


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    async def image(request: Request) -> Response:
        # The upstream mislabels the bytes: declared binary, they pass through all the same,
        # under the declared outputMediaType.
        return Response(PNG, media_type="application/json")

    async def fixed(request: Request) -> Response:
        body, media_type = {
            "/audio": (WAV, "application/octet-stream"),
            "/report": (PDF, "application/pdf"),
            "/large": (LARGE, "application/octet-stream"),
            "/capped": (CAPPED, "application/octet-stream"),
        }[request.url.path]
        return Response(body, media_type=media_type)

    async def chunked(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            for _ in range(8):
                yield b"y" * 512

        return StreamingResponse(parts(), media_type="application/octet-stream")

    app = Starlette(
        routes=[
            Route("/image", image),
            Route("/chunked", chunked),
            Route("/{name}", fixed),
        ]
    )
    with run_server(app) as url:
        yield url


@asynccontextmanager
async def gateway(tmp_path: Path, upstream: str) -> AsyncIterator[Gateway]:
    shutil.copy(FIXTURES / "binary.yaml", tmp_path / "binary.yaml")
    settings = load_settings(
        {
            "capabilities": (tmp_path / "binary.yaml",),
            "upstream": upstream,
            "cache": "off",
            "quota": "unlimited",
            "retry_attempts": 1,
        },
        environ={"XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened:
        yield opened


async def test_rest_streams_declared_binary_under_its_media_type(
    files: str, tmp_path: Path
) -> None:
    async with gateway(tmp_path, files) as opened:
        app = create_rest_app(opened.engine, RestOptions())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            image = await client.get("/v1/image")
            audio = await client.get("/v1/audio")
            capped = await client.get("/v1/capped")
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert audio.content == WAV and audio.headers["content-type"] == "audio/wav"
    assert capped.status_code == 413
    assert "maxBinarySize (1024 bytes)" in capped.json()["error"]["message"]


async def call(opened: Gateway, tool: str) -> types.CallToolResult:
    server = create_mcp_server(opened.engine, McpOptions())
    async with Client(server) as client:
        return await client.call_tool(tool, {})


async def test_mcp_answers_image_audio_and_blob_content_by_media_type(
    files: str, tmp_path: Path
) -> None:
    async with gateway(tmp_path, files) as opened:
        image = await call(opened, "get-image")
        audio = await call(opened, "get-audio")
        report = await call(opened, "get-report")
    assert not image.is_error
    block = image.content[1]
    assert isinstance(block, types.ImageContent) and block.mime_type == "image/png"
    assert base64.b64decode(block.data) == PNG
    assert image.structured_content == {
        "content_type": "image/png",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    sound = audio.content[1]
    assert isinstance(sound, types.AudioContent) and sound.mime_type == "audio/wav"
    assert base64.b64decode(sound.data) == WAV
    embedded = report.content[1]
    assert isinstance(embedded, types.EmbeddedResource)
    assert isinstance(embedded.resource, types.BlobResourceContents)
    assert embedded.resource.mime_type == "application/pdf"
    assert base64.b64decode(embedded.resource.blob) == PDF


async def test_mcp_describes_binary_past_the_inline_bound_with_its_digest(
    files: str, tmp_path: Path
) -> None:
    async with gateway(tmp_path, files) as opened:
        large = await call(opened, "get-large")
    assert not large.is_error
    assert not any(
        isinstance(b, types.ImageContent | types.EmbeddedResource) for b in large.content
    )
    artefact = (large.structured_content or {})["artefact"]
    assert artefact["size"] == len(LARGE)
    assert artefact["sha256"] == hashlib.sha256(LARGE).hexdigest()


@pytest.mark.parametrize("tool", ["get-capped", "get-chunked"])
async def test_mcp_binary_over_max_binary_size_is_an_error(
    files: str, tmp_path: Path, tool: str
) -> None:
    async with gateway(tmp_path, files) as opened:
        result = await call(opened, tool)
    assert result.is_error
    text = " ".join(b.text for b in result.content if isinstance(b, types.TextContent))
    assert "PayloadTooLargeError" in text and "maxBinarySize (1024 bytes)" in text


async def test_openapi_offers_declared_binary_under_its_media_type_only(
    files: str, tmp_path: Path
) -> None:
    async with gateway(tmp_path, files) as opened:
        app = create_rest_app(opened.engine, RestOptions())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            document = (await client.get("/openapi.json")).json()
    image = document["paths"]["/v1/image"]["get"]["responses"]["200"]["content"]
    capped = document["paths"]["/v1/capped"]["get"]["responses"]["200"]["content"]
    assert list(image) == ["image/png"] and image["image/png"]["schema"]["format"] == "binary"
    assert list(capped) == ["application/octet-stream"]
