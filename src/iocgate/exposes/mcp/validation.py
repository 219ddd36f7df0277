"""A tool's arguments checked against its input schema (JSON Schema Draft 2020-12).

Each validator is compiled once, on its tool's first call rather than at start-up: importing
``jsonschema`` can take a second or more when optional format plugins are installed, and
``iocgate stdio`` should answer a desktop client's ``initialize`` without paying it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ArgumentValidator"]


class ArgumentValidator:
    """Lists the ways some arguments break a schema (jsonschema ``ValidationError`` objects)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._compiled: Any = None

    def errors(self, arguments: Mapping[str, Any]) -> list[Any]:
        if self._compiled is None:
            from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

            Draft202012Validator.check_schema(self.schema)  # a broken schema fails loudly
            self._compiled = Draft202012Validator(self.schema)
        return list(self._compiled.iter_errors(arguments))
