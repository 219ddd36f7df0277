"""The JSON trees converted formats make, in the reference engine's shapes, and their bounds."""

from __future__ import annotations

import io
from pathlib import Path

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocgate.engine.formats import FormatLimits, SchemaFiles, convert_body
from iocgate.errors import CapabilityError, UpstreamFormatError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "formats"


def convert(kind: str, body: bytes, **options: object) -> object:
    return convert_body(kind, body, operation="up.op", **options)  # type: ignore[arg-type]


def test_xml_attributes_are_fields_and_text_beside_them_is_under_the_empty_key() -> None:
    body = b'<r><item id="7" lang="en">Seven</item><empty/><item id="8"/></r>'
    assert convert("xml", body) == {
        "item": [{"id": "7", "lang": "en", "": "Seven"}, {"id": "8"}],
        "empty": "",
    }


def test_xml_nested_too_deep_is_refused() -> None:
    body = b"<a>" * 50 + b"x" + b"</a>" * 50
    with pytest.raises(UpstreamFormatError, match="deeper than 10"):
        convert("xml", body, limits=FormatLimits(max_depth=10))


def test_csv_short_row_lacks_the_trailing_fields_and_quoted_newlines_stay() -> None:
    body = b'a,b,c\n1,"two\nlines",3\n4\n'
    assert convert("csv", body) == [{"a": "1", "b": "two\nlines", "c": "3"}, {"a": "4"}]


def test_psv_and_an_empty_body() -> None:
    assert convert("psv", b"k|v\nx|y\n") == [{"k": "x", "v": "y"}]
    assert convert("csv", b"") == []


def test_yaml_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x]"]
    for n in range(1, 12):
        previous = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 8)}]")
    with pytest.raises(UpstreamFormatError, match="more than 50 aliases"):
        convert("yaml", "\n".join(lines).encode())


def test_yaml_python_tags_are_not_constructed() -> None:
    with pytest.raises(UpstreamFormatError, match="not valid yaml"):
        convert("yaml", b"!!python/object/apply:os.system ['true']")


def test_html_table_without_thead_uses_its_first_row_of_th() -> None:
    body = b"<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"
    assert convert("html", body) == {"tables": [[{"A": "1", "B": "2"}]]}


def test_markdown_sections_are_filtered_by_the_output_schema_prefix() -> None:
    body = b"# API v1\nold\n# API v2\nnew\n# Other\nx\n"
    tree = convert("markdown", body, schema="API")
    assert isinstance(tree, dict)
    assert [s["heading"] for s in tree["sections"]] == ["API v1", "API v2"]
    assert tree["frontMatter"] == {} and tree["tables"] == []


def test_avro_container_file_needs_no_schema_file() -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "b", "type": "bytes"}]}
    out = io.BytesIO()
    fastavro.writer(out, fastavro.parse_schema(schema), [{"b": b"\x00\x01"}, {"b": b""}])
    assert convert("avro", out.getvalue(), schema="unused.avsc") == [{"b": "AAE="}, {"b": ""}]


def test_schema_file_missing_or_undeclared_is_a_capability_error(tmp_path: Path) -> None:
    with pytest.raises(CapabilityError, match="needs outputSchema"):
        convert("protobuf", b"")
    with pytest.raises(CapabilityError, match=r"'nope\.avsc' named by outputSchema"):
        convert("avro", b"\x00", schema="nope.avsc", schema_files=SchemaFiles(tmp_path))


def test_body_over_the_bound_is_refused_before_parsing() -> None:
    with pytest.raises(UpstreamFormatError, match="larger than 8 bytes"):
        convert("csv", b"a,b\n1,2\n3,4\n", limits=FormatLimits(max_bytes=8))


def test_text_is_decoded_with_the_declared_charset() -> None:
    body = "name\nJosé\n".encode("latin-1")
    assert convert("csv", body, content_type="text/csv; charset=ISO-8859-1") == [{"name": "José"}]


@pytest.mark.parametrize("kind", ["xml", "csv", "yaml", "html", "markdown", "avro", "protobuf"])
@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=96) | st.text(alphabet="<>/a =\"'-:|#*\n\t{}[],&;!", max_size=96))
def test_any_body_converts_or_is_a_format_error(kind: str, body: bytes | str) -> None:
    raw = body.encode() if isinstance(body, str) else body
    if kind == "markdown":
        raw = b"---\n" + raw + b"\n---\ntext"
    schema = {"avro": "records.avsc", "protobuf": "records.proto"}.get(kind)
    try:
        convert(kind, raw, schema=schema, schema_files=SchemaFiles(FIXTURES))
    except UpstreamFormatError as exc:  # any other exception fails the test
        message = exc.message
    else:
        return
    assert f"not valid {kind}" in message
