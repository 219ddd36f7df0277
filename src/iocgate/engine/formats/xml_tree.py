"""XML into JSON as Jackson's XmlMapper reads a tree: the root element is the document,
attributes and child elements are fields alike, repeated elements an array, text with
attributes under "", empty elements "", names without namespace prefixes."""

from __future__ import annotations

from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

__all__ = ["read_xml"]

_SEPARATOR = " "  # between namespace URI and local name; a space is in neither


def read_xml(body: bytes, max_depth: int) -> Any:
    def local(path: list[Any], key: str, value: Any) -> tuple[str, Any]:
        if len(path) > max_depth:
            raise ValueError(f"elements nest deeper than {max_depth} levels")
        return key.rsplit(_SEPARATOR, 1)[-1], "" if value is None else value

    # Entity declarations are refused (disable_entities), so entity expansion bombs fail,
    # and expat never fetches external entities.
    try:
        document = xmltodict.parse(
            body,
            attr_prefix="",
            cdata_key="",
            process_namespaces=True,
            namespace_separator=_SEPARATOR,
            postprocessor=local,
            disable_entities=True,
        )
    except ExpatError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(document, dict) or len(document) != 1:
        raise ValueError("no root element")
    (root,) = document.values()
    return root
