"""Reading an upstream body of a declared ``outputRawFormat`` into the JSON tree the output
mapping works on, in the shape the reference engine gives (its Jackson-based converters); and
the bounds of declared binary content."""

from iocgate.engine.formats.binary import (
    DEFAULT_BINARY_LIMIT,
    DEFAULT_MAX_BINARY_BYTES,
    BinaryLimit,
    binary_limit,
    binary_too_large,
    bounded_chunks,
    is_binary,
    max_binary_bytes,
    parse_binary_size,
)
from iocgate.engine.formats.convert import (
    CONVERTED_FORMATS,
    FormatLimits,
    SchemaFiles,
    check_output_format,
    convert_body,
    is_converted,
)

__all__ = [
    "CONVERTED_FORMATS",
    "DEFAULT_BINARY_LIMIT",
    "DEFAULT_MAX_BINARY_BYTES",
    "BinaryLimit",
    "FormatLimits",
    "SchemaFiles",
    "binary_limit",
    "binary_too_large",
    "bounded_chunks",
    "check_output_format",
    "convert_body",
    "is_binary",
    "is_converted",
    "max_binary_bytes",
    "parse_binary_size",
]
