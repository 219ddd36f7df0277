"""Windows events from an EVTX log, read with the maintained `evtx` parser (#22.6).

Each record becomes ``{"record", "time", "provider", "channel", "event_id", "data"}`` where
``data`` is the record's ``EventData`` (Sysmon 1/3/11, Security 4688 ... alike). Bounded: at
most `EVENT_LIMIT` events, the total stated; a log the parser cannot read gives its error.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from iocgate.virustotal.digest_limits import capped

__all__ = ["EVENT_LIMIT", "evtx_digest"]

EVENT_LIMIT = 200


def _text(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("#text")
    return None if value is None else str(value)


def _event(record: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        body = json.loads(record["data"])
    except (KeyError, TypeError, ValueError):
        return None
    event = body.get("Event") if isinstance(body, Mapping) else None
    if not isinstance(event, Mapping):
        return None
    found = event.get("System")
    system: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    provider = system.get("Provider")
    attributes = provider.get("#attributes", {}) if isinstance(provider, Mapping) else {}
    data = event.get("EventData")
    return {
        "record": record.get("event_record_id"),
        "time": record.get("timestamp"),
        "provider": attributes.get("Name") if isinstance(attributes, Mapping) else None,
        "channel": _text(system.get("Channel")),
        "event_id": _text(system.get("EventID")),
        "data": dict(data) if isinstance(data, Mapping) else {},
    }


def evtx_digest(log: bytes) -> dict[str, Any]:
    """The events of one ``.evtx`` file, counted by event id, the first `EVENT_LIMIT` listed."""
    from evtx import PyEvtxParser  # a compiled parser: loaded only when a log is read

    events: list[dict[str, Any]] = []
    try:
        for record in PyEvtxParser(io.BytesIO(log)).records_json():
            event = _event(record) if isinstance(record, Mapping) else None
            if event is not None:
                events.append(event)
    except (RuntimeError, OSError, ValueError) as exc:
        return {"events": events[:EVENT_LIMIT], "error": str(exc)[:300]}
    counts = Counter(f"{e['channel']}/{e['event_id']}" for e in events)
    return {"event_counts": dict(counts.most_common()), **capped(events, "events", EVENT_LIMIT)}
