"""How a `with` value is read: a reference to an input, or a literal."""

from __future__ import annotations

from iocgate.capability.refs import Reference, parse_reference


def test_single_and_double_braces_name_an_input_and_other_text_is_literal() -> None:
    prefixes = ("tools",)
    assert parse_reference("{id}", prefixes) == Reference("id")
    assert parse_reference("{{tools.id}}", prefixes) == Reference("id")
    assert parse_reference("photo-{id}", prefixes) == Reference(None, "photo-{id}")
