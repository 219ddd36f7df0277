"""The investigation's packages export exactly what they define, each with a docstring."""

from __future__ import annotations

import importlib
import inspect

import pytest


@pytest.mark.parametrize(
    "name",
    [
        "iocgate.virustotal.investigate",
        "iocgate.virustotal.exports",
        "iocgate.virustotal.routes",
        "iocgate.virustotal.mcp_tool",
    ],
)
def test_every_exported_name_exists_is_sorted_and_documented(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    for attribute in exported:
        value = getattr(module, attribute)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, f"{name}.{attribute} has no docstring"
