"""A tool's arguments checked against its input schema (JSON Schema Draft 2020-12).

Each validator is compiled once, on its tool's first call rather than at start-up: importing
``jsonschema`` can take a second or more when optional format plugins are installed, and
``iocgate stdio`` should answer a desktop client's ``initialize`` without paying it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from iocgate.imports import import_without

__all__ = ["ArgumentValidator", "load_jsonschema"]

#: Format checkers jsonschema loads when installed (rfc3987-syntax builds a lark grammar: ~20 MB
#: of RSS and ~125k objects); these validators never check ``format``, so none is needed.
_FORMAT_PLUGINS = (
    "fqdn", "isoduration", "jsonpointer", "rfc3339_validator", "rfc3986_validator", "rfc3987",
    "rfc3987_syntax", "uri_template", "webcolors",
)  # fmt: skip


def load_jsonschema() -> ModuleType:
    """``jsonschema``, imported without the format-checker plugins its validators here never use.

    A module that is already imported (a test process, a host application) is left as it is;
    the plugins stay importable by anyone else afterwards.
    """
    return import_without("jsonschema", _FORMAT_PLUGINS)


class ArgumentValidator:
    """Lists the ways some arguments break a schema (jsonschema ``ValidationError`` objects)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._compiled: Any = None

    def errors(self, arguments: Mapping[str, Any]) -> list[Any]:
        if self._compiled is None:
            validator = load_jsonschema().Draft202012Validator
            validator.check_schema(self.schema)  # a broken schema fails loudly
            self._compiled = validator(self.schema)
        return list(self._compiled.iter_errors(arguments))
