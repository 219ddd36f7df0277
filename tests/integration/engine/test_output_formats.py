"""``outputRawFormat`` xml, csv, tsv, yaml, html, markdown, avro and protobuf: a body upstream on
a real socket answers each format, and the REST routes of tests/fixtures/formats/formats.yaml
answer the JSON their output mappings make of it. A body that does not parse is a 502 naming
the format."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import fastavro
import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iocgate.exposes.mcp import McpOptions, create_mcp_server
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.gateway import Gateway, open_gateway
from iocgate.settings import load_settings
from tests.support.servers import run_server

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parents[2] / "fixtures" / "formats"

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<users xmlns:x="urn:example:x">
  <user><id>1</id><name>Ada Lovelace</name><email>ada@example.org</email></user>
  <user><id>2</id><x:name>Alan Turing</x:name><email>alan@example.org</email></user>
</users>
"""
CSV = b'id,name,team\r\n1,Ada Lovelace,engines\r\n2,"Turing, Alan",bombe\r\n'
TSV = b"id\tname\n7\tGrace Hopper\n8\tEdsger\n"
YAML = b"users:\n  - {id: 1, name: Ada}\n  - id: 2\n    name: Alan\nsince: 2026-01-02\n"
HTML = b"""<html><body>
<table class="other"><tr><th>Ignored</th></tr><tr><td>x</td></tr></table>
<div><table class="products">
  <thead><tr><th>Name</th><th>Price</th><th>Stock</th></tr></thead>
  <tbody>
    <tr><td>Widget</td><td>$19</td><td>4</td></tr>
    <tr><td> Gadget   deluxe </td><td>$99</td></tr>
  </tbody>
</table></div></body></html>
"""
MARKDOWN = b"""---
title: Release notes
version: 3
---
# Overview
The **engine** reads
many formats.

| Feature | Status |
|---------|--------|
| XML     | GA     |
| `Avro`  | beta   |

## Limits
Bodies are bounded.
"""


def _avro() -> bytes:
    schema = fastavro.schema.load_schema(str(FIXTURES / "records.avsc"))
    out = io.BytesIO()
    datum = {
        "records": [
            {"id": "r1", "title": "First", "seen": 1767225600000, "tag": None},
            {"id": "r2", "title": "Second", "seen": 1767225600001, "tag": "t"},
        ]
    }
    fastavro.schemaless_writer(out, schema, datum)
    return out.getvalue()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field, written by hand from the wire format."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _protobuf() -> bytes:
    entry = _field(1, b"e1") + _field(2, "Eintr\u00e4ge".encode())
    total = _varint(2 << 3 | 0) + _varint(2**33)
    source = _varint(3 << 3 | 0) + _varint(1)
    return _field(1, entry) + _field(1, _field(1, b"e2")) + total + source


BODIES = {
    "/xml": ("application/xml", XML),
    "/csv": ("text/csv", CSV),
    "/tsv": ("text/tab-separated-values", TSV),
    "/yaml": ("application/yaml", YAML),
    "/html": ("text/html; charset=utf-8", HTML),
    "/markdown": ("text/markdown", MARKDOWN),
    "/avro": ("application/avro", _avro()),
    "/protobuf": ("application/x-protobuf", _protobuf()),
}


@pytest.fixture(scope="module")
def bodies() -> Iterator[tuple[str, dict[str, tuple[str, bytes]]]]:
    served = dict(BODIES)

    async def answer(request: Request) -> Response:
        media_type, body = served[request.url.path]
        return Response(body, media_type=media_type)

    app = Starlette(routes=[Route("/{path:path}", answer)])
    with run_server(app) as url:
        yield url, served


@asynccontextmanager
async def gateway(tmp_path: Path, upstream: str, cache: str = "off") -> AsyncIterator[Gateway]:
    for name in ("formats.yaml", "records.avsc", "records.proto"):
        shutil.copy(FIXTURES / name, tmp_path / name)  # schema files are found beside it
    settings = load_settings(
        {
            "capabilities": (tmp_path / "formats.yaml",),
            "upstream": upstream,
            "cache": cache,
            "quota": "unlimited",
            "retry_attempts": 1,
        },
        environ={"XDG_CACHE_HOME": str(tmp_path)},
    )
    async with open_gateway(settings) as opened:
        yield opened


@asynccontextmanager
async def rest(
    tmp_path: Path, upstream: str, cache: str = "off"
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(tmp_path, upstream, cache) as opened:
        app = create_rest_app(opened.engine, RestOptions())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


async def get(tmp_path: Path, upstream: str, path: str) -> httpx.Response:
    async with rest(tmp_path, upstream) as client:
        return await client.get(path)


async def test_xml_elements_become_fields_and_repeated_ones_an_array(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/xml")
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"id": "1", "name": "Ada Lovelace", "email": "ada@example.org"},
        {"id": "2", "name": "Alan Turing", "email": "alan@example.org"},
    ]


async def test_mcp_tool_over_xml_answers_the_mapped_json(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    async with (
        gateway(tmp_path, bodies[0]) as opened,
        Client(create_mcp_server(opened.engine, McpOptions())) as client,
    ):
        result = await client.call_tool("list-users", {})
    assert not result.is_error
    assert result.structured_content == {
        "result": [{"id": "1", "name": "Ada Lovelace"}, {"id": "2", "name": "Alan Turing"}]
    }


async def test_csv_rows_are_objects_keyed_by_the_header(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/csv")
    assert answer.json() == [
        {"id": "1", "name": "Ada Lovelace"},
        {"id": "2", "name": "Turing, Alan"},
    ]


async def test_tsv_without_a_mapping_is_the_whole_row_array(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/tsv")
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == [{"id": "7", "name": "Grace Hopper"}, {"id": "8", "name": "Edsger"}]


async def test_yaml_is_read_as_its_json_tree(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/yaml")
    assert answer.json() == [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Alan"}]


async def test_html_tables_picked_by_the_output_schema_selector(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/html")
    assert answer.json() == [
        {"name": "Widget", "price": "$19"},
        {"name": "Gadget deluxe", "price": "$99"},
    ]


async def test_markdown_front_matter_tables_and_sections(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    mapped = await get(tmp_path, bodies[0], "/v1/markdown")
    raw = await get(tmp_path, bodies[0], "/v1/markdown-raw")
    assert mapped.json() == [
        {"feature": "XML", "status": "GA"},
        {"feature": "Avro", "status": "beta"},
    ]
    tree = raw.json()
    assert tree["frontMatter"] == {"title": "Release notes", "version": 3}
    assert tree["sections"] == [
        {"heading": "Overview", "level": 1, "content": "The engine reads many formats."},
        {"heading": "Limits", "level": 2, "content": "Bodies are bounded."},
    ]


async def test_avro_datum_is_read_with_the_schema_file_beside_the_capability(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/avro")
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"id": "r1", "title": "First", "seen": 1767225600000},
        {"id": "r2", "title": "Second", "seen": 1767225600001},
    ]


async def test_protobuf_message_is_read_as_the_first_message_of_the_proto_file(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    answer = await get(tmp_path, bodies[0], "/v1/protobuf")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "records": [{"id": "e1", "title": "Eintr\u00e4ge"}, {"id": "e2"}],
        "total": 2**33,
        "source": "SOURCE_FEED",
    }


@pytest.mark.parametrize(
    ("path", "body", "format_name"),
    [
        ("/xml", b"<users><user>1</users>", "xml"),
        ("/csv", b"id,name\n1,a,surplus\n", "csv"),
        ("/yaml", b"users: [1, 2\n", "yaml"),
        ("/avro", b"\x02", "avro"),
        ("/protobuf", b"\x0a\xff\xff", "protobuf"),
    ],
)
async def test_malformed_body_is_a_502_naming_the_format(
    bodies: tuple[str, dict[str, tuple[str, bytes]]],
    tmp_path: Path,
    path: str,
    body: bytes,
    format_name: str,
) -> None:
    url, served = bodies
    media_type, good = served[path]
    served[path] = (media_type, body)
    try:
        answer = await get(tmp_path, url, "/v1" + path)
    finally:
        served[path] = (media_type, good)
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["code"] == "UpstreamFormatError"
    assert f"not valid {format_name}" in error["message"]
    assert f"outputRawFormat: {format_name}" in error["message"]


async def test_xml_entity_declarations_are_refused(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    url, served = bodies
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><users><user>&b;</user></users>'
    )
    good = served["/xml"]
    served["/xml"] = ("application/xml", bomb)
    try:
        answer = await get(tmp_path, url, "/v1/xml")
    finally:
        served["/xml"] = good
    assert answer.status_code == 502
    assert "entities are disabled" in answer.json()["error"]["message"]


async def test_converted_answer_is_cached_and_served_again_converted(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    url, served = bodies
    async with rest(tmp_path, url, cache="memory") as client:
        first = await client.get("/v1/xml")
        good = served["/xml"]
        served["/xml"] = ("application/xml", b"<changed/>")
        try:
            second = await client.get("/v1/xml")
        finally:
            served["/xml"] = good
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert second.json() == first.json() and len(second.json()) == 2


async def test_malformed_answer_is_not_cached(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    url, served = bodies
    good = served["/yaml"]
    async with rest(tmp_path, url, cache="memory") as client:
        served["/yaml"] = ("application/yaml", b"users: [1, 2\n")
        try:
            bad = await client.get("/v1/yaml")
        finally:
            served["/yaml"] = good
        fixed = await client.get("/v1/yaml")
    assert bad.status_code == 502
    assert fixed.status_code == 200 and fixed.headers["x-cache"] == "MISS"


async def test_large_body_is_converted_without_stalling_the_event_loop(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    url, served = bodies
    row = b"<user><id>1</id><name>Ada</name><email>a@example.org</email></user>"
    large = b"<users>" + row * (4 * 1024 * 1024 // len(row)) + b"</users>"
    gaps: list[float] = []
    done = anyio.Event()

    async def heartbeat() -> None:
        last = anyio.current_time()
        while not done.is_set():
            await anyio.sleep(0.01)
            now = anyio.current_time()
            gaps.append(now - last)
            last = now

    good = served["/xml"]
    served["/xml"] = ("application/xml", large)
    try:
        async with rest(tmp_path, url) as client, anyio.create_task_group() as tasks:
            tasks.start_soon(heartbeat)
            started = anyio.current_time()
            answer = await client.get("/v1/xml")
            took = anyio.current_time() - started
            done.set()
    finally:
        served["/xml"] = good
    assert answer.status_code == 200 and len(answer.json()) > 60_000
    # The parse takes seconds; the loop kept turning meanwhile (inline, one gap would be all).
    assert took > 1.0 and max(gaps) < took / 2


async def test_openapi_offers_json_only_for_a_converted_format(
    bodies: tuple[str, dict[str, tuple[str, bytes]]], tmp_path: Path
) -> None:
    async with rest(tmp_path, bodies[0]) as client:
        document = (await client.get("/openapi.json")).json()
    answer = document["paths"]["/v1/xml"]["get"]["responses"]["200"]
    assert list(answer["content"]) == ["application/json"]
    assert "xml answer, as JSON" in answer["description"]
