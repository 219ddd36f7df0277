"""Reading an upstream body of a declared ``outputRawFormat`` into the JSON tree the output
mapping works on, in the shape the reference engine gives (its Jackson-based converters)."""

from iocgate.engine.formats.convert import (
    CONVERTED_FORMATS,
    FormatLimits,
    SchemaFiles,
    convert_body,
    is_converted,
)

__all__ = ["CONVERTED_FORMATS", "FormatLimits", "SchemaFiles", "convert_body", "is_converted"]
