"""YAML into JSON with ``safe_load`` semantics, refusing alias bombs (as SnakeYAML does past 50
aliases) and keys that JSON cannot hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

__all__ = ["read_yaml"]

MAX_ALIASES = 50


class _Loader(yaml.SafeLoader):
    """A safe loader that counts aliases: each may repeat a whole subtree when serialised."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise ValueError(f"more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def read_yaml(text: str) -> Any:
    try:
        return _json(yaml.load(text, Loader=_Loader))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).replace("\n", " ")) from None
