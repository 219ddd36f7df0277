"""Which formats are converted, their size bound, schema files, and one error for a bad body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iocgate.errors import CapabilityError, UpstreamFormatError

__all__ = [
    "CONVERTED_FORMATS",
    "FormatLimits",
    "SchemaFiles",
    "check_output_format",
    "convert_body",
    "is_converted",
]

#: ``outputRawFormat`` values read into a JSON tree; ``json`` is the engine's own and
#: ``binary`` passes through as bytes.
CONVERTED_FORMATS = frozenset(
    {"xml", "csv", "tsv", "psv", "yaml", "html", "markdown", "avro", "protobuf"}
)
SEPARATORS = {"csv": ",", "tsv": "\t", "psv": "|"}


def is_converted(output_format: str | None) -> bool:
    return (output_format or "json").lower() in CONVERTED_FORMATS


def check_output_format(output_format: str | None, operation: str) -> None:
    """Refuse, at start-up, an ``outputRawFormat`` the engine cannot read."""
    known = {"json", "binary", *CONVERTED_FORMATS}
    if (output_format or "json").lower() not in known:
        raise CapabilityError(
            f"outputRawFormat {output_format!r} of {operation} is not a format iocgate reads; "
            f"use one of {', '.join(sorted(known))}",
            field="outputRawFormat",
        )


@dataclass(frozen=True, slots=True)
class FormatLimits:
    """Bounds on a converted body: its size, and how deep its tree may nest."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 200


class SchemaFiles:
    """``outputSchema`` files (.avsc, .proto): beside the capability file, else the working
    directory, as bind files are found."""

    def __init__(self, base: Path | None) -> None:
        self.base = base

    def path(self, name: str, output_format: str) -> Path:
        candidates = [Path(name)]
        if self.base is not None and not Path(name).is_absolute():
            candidates.insert(0, self.base / name)
        for candidate in candidates:
            if candidate.is_file():
                return candidate.resolve()
        where = f"{self.base} or the working directory" if self.base else "the working directory"
        raise CapabilityError(
            f"the {output_format} schema file {name!r} named by outputSchema is not in {where}",
            field="outputSchema",
        )


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8-sig"  # a byte-order mark is not part of the text


def _text(body: bytes, content_type: str) -> str:
    try:
        return body.decode(_charset(content_type))
    except LookupError:
        return body.decode("utf-8-sig")


def convert_body(
    output_format: str,
    body: bytes,
    *,
    operation: str,
    content_type: str = "",
    schema: str | None = None,
    schema_files: SchemaFiles | None = None,
    limits: FormatLimits | None = None,
) -> Any:
    """The JSON tree of ``body`` read as ``output_format``; a body that does not parse is an
    `UpstreamFormatError` (502) naming the format and the operation."""
    from iocgate.engine.formats import avro, delimited, protobuf, tables, xml_tree, yaml_tree

    kind = output_format.lower()
    limits = limits or FormatLimits()
    files = schema_files or SchemaFiles(None)
    if len(body) > limits.max_bytes:
        raise UpstreamFormatError(
            f"the {kind} answer to {operation} is larger than {limits.max_bytes} bytes, "
            "the limit for converted formats"
        )
    readers: dict[str, Callable[[], Any]] = {
        "xml": lambda: xml_tree.read_xml(body, limits.max_depth),
        "yaml": lambda: yaml_tree.read_yaml(_text(body, content_type)),
        "html": lambda: tables.read_html(_text(body, content_type), schema),
        "markdown": lambda: tables.read_markdown(_text(body, content_type), schema),
        "avro": lambda: avro.read_avro(body, lambda: _schema_path(files, schema, kind, operation)),
        "protobuf": lambda: protobuf.read_protobuf(
            body, _schema_path(files, schema, kind, operation)
        ),
    }
    if kind in SEPARATORS:
        readers[kind] = lambda: delimited.read_delimited(
            _text(body, content_type), SEPARATORS[kind]
        )
    try:
        return readers[kind]()
    except (CapabilityError, UpstreamFormatError):
        raise
    except (ValueError, UnicodeDecodeError, RecursionError, EOFError, IndexError) as exc:
        # Each library reports a bad body its own way; all are subclasses of these.
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise UpstreamFormatError(
            f"the upstream answer to {operation} is not valid {kind} "
            f"(outputRawFormat: {kind}): {reason}"
        ) from None


def _schema_path(files: SchemaFiles, schema: str | None, kind: str, operation: str) -> Path:
    if not schema:
        raise CapabilityError(
            f"outputRawFormat {kind} needs outputSchema, the path of the schema file, "
            f"on the consumed operation {operation}",
            field="outputSchema",
        )
    return files.path(schema, kind)
