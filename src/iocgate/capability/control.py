"""Start-up checks of a control adapter: what of ``management`` and ``observability`` runs.

Health, info, logs (level read and set) and the observability switch run; ``scripting``
governs embedded code, which iocgate never runs, and a log ``stream`` is not served yet: both
are named at start-up rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable

from iocgate.capability.model import ExposesControl
from iocgate.capability.source import Location

__all__ = ["check_control"]

NotYet = Callable[[Location, str], None]


def check_control(adapter: ExposesControl, where: Location, not_yet: NotYet) -> None:
    """Name each declared control feature iocgate does not run."""
    management = adapter.management
    if management.get("scripting"):
        not_yet(
            (*where, "management", "scripting"),
            "`scripting` on the control port (iocgate runs no embedded code, as for script "
            "steps; remove it)",
        )
    logs = management.get("logs")
    if isinstance(logs, dict) and logs.get("stream"):
        not_yet((*where, "management", "logs", "stream"), "a streamed log (`logs.stream`)")
    for name in ("reload", "validate"):
        if management.get(name):
            not_yet((*where, "management", name), f"the control port's `{name}` endpoint")
