"""Avro into JSON: one datum in the binary encoding read with the ``outputSchema`` .avsc file
(as the reference engine reads it), or an object container file, which carries its schema."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException

from iocgate.errors import CapabilityError

__all__ = ["read_avro"]

_CONTAINER_MAGIC = b"Obj\x01"


def _raw(schema: Any) -> Any:
    """The schema without ``logicalType``s: values stay as encoded (epoch numbers, bytes),
    as Java's generic reader gives them with no conversions registered."""
    if isinstance(schema, dict):
        return {k: _raw(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_raw(v) for v in schema]
    return schema


@lru_cache(maxsize=32)
def _schema(path: Path, modified: float) -> Any:
    return fastavro.parse_schema(_raw(json.loads(path.read_text(encoding="utf-8"))))


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()  # Jackson writes binary nodes as base64
    return value


def read_avro(body: bytes, schema_path: Callable[[], Path]) -> Any:
    """A container file's records, else one datum of the schema ``schema_path()`` names."""
    if body.startswith(_CONTAINER_MAGIC):
        return [_json(record) for record in fastavro.reader(io.BytesIO(body))]
    schema_file = schema_path()
    try:
        schema = _schema(schema_file, schema_file.stat().st_mtime)
    except (ValueError, KeyError, TypeError, SchemaParseException) as exc:
        raise CapabilityError(
            f"the Avro schema file {schema_file} is not a valid schema: {exc}",
            field="outputSchema",
        ) from None
    # One datum, as the reference engine reads it; bytes after it are not looked at.
    return _json(fastavro.schemaless_reader(io.BytesIO(body), schema))
