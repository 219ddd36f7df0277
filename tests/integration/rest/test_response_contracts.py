"""REST response contracts (``responses`` / ``responseBinary``) and adapter-level
``maxBinarySize``, through ``iocgate serve`` on real ports in front of a bytes upstream.

Declared binary answers are served with the declared status and media type (the consumed
operation's ``outputMediaType`` wins), published so in /openapi.json; an adapter's
maxBinarySize bounds the binary operations it exposes unless the operation declares its own,
and an answer over it is an error that names the bound and where to raise it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import mcp_types as types
import pytest
from mcp import Client, MCPError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.processes import clean_env, free_port, running, wait_http
from tests.support.servers import run_server

FIXTURE = Path(__file__).parents[2] / "fixtures" / "formats" / "responses-beta5.yaml"
SMALL = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4  # 1 KiB and a bit: under 2KiB
LARGE = b"\xff\xd8\xff\xe0" + b"L" * 3072  # over the adapters' 2KiB
FOLIO = b"II*\x00" + b"F" * 4096  # over the adapters' 2KiB, under the operation's 8KiB


def upstream_app() -> Starlette:
    async def page(request: Request) -> Response:
        found = {"small": SMALL, "large": LARGE}.get(request.path_params["id"])
        if found is None:
            return JSONResponse({"error": {"code": "NotFound"}}, status_code=404)
        return Response(found, media_type="application/octet-stream")

    async def fixed(request: Request) -> Response:
        return Response(SMALL if "print" in request.url.path else FOLIO, media_type="image/x-raw")

    async def trickle(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            for _ in range(6):
                yield b"t" * 512

        return StreamingResponse(parts(), media_type="application/octet-stream")

    return Starlette(
        routes=[
            Route("/pages/{id}/print", fixed),
            Route("/pages/{id}", page),
            Route("/folios/{id}", fixed),
            Route("/trickle/{id}", trickle),
        ]
    )


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(REST base URL, MCP URL) of ``iocgate serve`` on the fixture."""
    tmp = tmp_path_factory.mktemp("contracts")
    rest_port, mcp_port = free_port(), free_port()
    text = FIXTURE.read_text().replace("REST_PORT", str(rest_port))
    path = tmp / "scans.yaml"
    path.write_text(text.replace("MCP_PORT", str(mcp_port)))
    with run_server(upstream_app()) as upstream:
        args = ["serve", str(path), "--upstream", upstream, "--quota", "unlimited"]
        with running([*args, "--cache", "off"], clean_env(tmp), stderr_path=tmp / "serve.log"):
            rest = f"http://127.0.0.1:{rest_port}"
            wait_http(f"{rest}/healthz")
            yield rest, f"http://127.0.0.1:{mcp_port}/mcp"


def test_declared_binary_answers_carry_the_declared_status_and_media_type(
    gateway: tuple[str, str],
) -> None:
    rest, _ = gateway
    with httpx.Client(base_url=rest, timeout=20) as client:
        page = client.get("/v1/pages/small")
        thumbnail = client.get("/v1/pages/small/thumbnail")
        printed = client.get("/v1/pages/small/print")
        missing = client.get("/v1/pages/missing")
    assert page.status_code == 200 and page.content == SMALL
    assert page.headers["content-type"] == "image/jpeg"  # `responses` names it
    assert thumbnail.status_code == 203 and thumbnail.content == SMALL
    assert thumbnail.headers["content-type"] == "image/webp"  # `responseBinary` names it
    # the consumed operation's outputMediaType wins over the REST contract's media type
    assert printed.status_code == 200 and printed.headers["content-type"] == "image/png"
    # an upstream error is passed through, not dressed as the declared binary answer
    assert missing.status_code == 404 and missing.json() == {"error": {"code": "NotFound"}}


def test_adapter_max_binary_size_bounds_rest_unless_the_operation_declares_its_own(
    gateway: tuple[str, str],
) -> None:
    rest, _ = gateway
    with httpx.Client(base_url=rest, timeout=20) as client:
        folio = client.get("/v1/folios/f1")
        large = client.get("/v1/pages/large")
        trickle = client.get("/v1/trickle/t1")  # no Content-Length: caught before the status
    assert folio.status_code == 200 and folio.content == FOLIO
    assert folio.headers["content-type"] == "image/tiff"
    for answer in (large, trickle):
        assert answer.status_code == 413, answer.text
        message = answer.json()["error"]["message"]
        assert "maxBinarySize (2048 bytes)" in message
        assert "the maxBinarySize (2KiB) of the rest adapter scans-rest" in message


def test_openapi_publishes_the_declared_responses(gateway: tuple[str, str]) -> None:
    rest, _ = gateway
    document = httpx.get(f"{rest}/openapi.json", timeout=20).json()
    page = document["paths"]["/v1/pages/{id}"]["get"]["responses"]
    assert page["200"]["description"] == "The scanned page."
    assert page["200"]["content"] == {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}}
    }
    assert page["404"]["description"] == "No such page."
    assert page["404"]["content"]["application/json"]["schema"] == {
        "type": "object",
        "properties": {"error": {"type": "object"}},
    }
    assert "429" in page  # statuses the capability leaves alone keep the gateway's own
    thumbnail = document["paths"]["/v1/pages/{id}/thumbnail"]["get"]["responses"]
    assert "200" not in thumbnail
    assert thumbnail["203"]["description"] == "A cached thumbnail."
    assert list(thumbnail["203"]["content"]) == ["image/webp"]


@pytest.mark.anyio
async def test_adapter_max_binary_size_bounds_mcp_tools_unless_the_operation_declares_its_own(
    gateway: tuple[str, str],
) -> None:
    _, mcp = gateway
    async with Client(mcp, mode="legacy") as client:
        small = await client.call_tool("page-scan", {"id": "small"})
        large = await client.call_tool("page-scan", {"id": "large"})
        folio = await client.call_tool("folio-scan", {"id": "f1"})
        read = await client.read_resource("scans://pages/small")
        with pytest.raises(MCPError) as over:
            await client.read_resource("scans://pages/large")
    assert not small.is_error and not folio.is_error
    assert (folio.structured_content or {})["size"] == len(FOLIO)
    assert large.is_error
    text = " ".join(b.text for b in large.content if isinstance(b, types.TextContent))
    assert "the maxBinarySize (2KiB) of the mcp adapter scans-mcp" in text
    blob = read.contents[0]
    assert isinstance(blob, types.BlobResourceContents) and base64.b64decode(blob.blob) == SMALL
    assert "the maxBinarySize (2KiB) of the mcp adapter scans-mcp" in str(over.value)
