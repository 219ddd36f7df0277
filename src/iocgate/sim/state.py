"""`SimState` (what `app.state.sim` holds) and `RecordedRequest` (one line of its request log)."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from random import Random
from urllib.parse import unquote

from iocgate.sim.corpus import Corpus
from iocgate.sim.keys import KeyRing
from iocgate.sim.limits import Clock, QuotaBook
from iocgate.sim.settings import Faults, SimSettings

__all__ = ["RecordedRequest", "SimState"]

_API = "/api/v3"


@dataclass(slots=True)
class RecordedRequest:
    """A request the simulator received: path as sent (percent-encoding kept), query string,
    the `x-apikey` header value (None when absent) and the status answered (0: connection
    dropped before any status)."""

    method: str
    path: str
    query: str
    key: str | None
    status: int = 0


class SimState:
    """The simulator's live state: corpus, request log, current faults and quota counters."""

    def __init__(self, settings: SimSettings, corpus: Corpus, clock: Clock) -> None:
        self.settings = settings
        self.corpus = corpus
        self.clock = clock
        self.keys = KeyRing(settings)
        self.quota = QuotaBook(settings, clock)
        self.faults: Faults = dataclasses.replace(settings.faults)
        self.requests: list[RecordedRequest] = []
        self.fault_rng = Random(settings.seed)
        # Signs storage tokens (redirect mode); a new app never honours an old app's URLs.
        self.storage_secret = secrets.token_bytes(32)

    def reset(self) -> None:
        """Clear the request log and the quota counters, and restart the fault RNG."""
        self.requests.clear()
        self.quota.reset()
        self.fault_rng = Random(self.settings.seed)

    def count(self, path_prefix: str | None = None) -> int:
        """How many recorded requests have a path starting with `path_prefix`.

        The prefix may omit `/api/v3` and may be written decoded (`… Jujubox`) or
        percent-encoded (`…%20Jujubox`).
        """
        return len(self.matching(path_prefix))

    def matching(self, path_prefix: str | None = None) -> list[RecordedRequest]:
        """The recorded requests `count` would count, oldest first."""
        if path_prefix is None:
            return list(self.requests)
        prefixes = {path_prefix, unquote(path_prefix)}
        if not path_prefix.startswith((_API + "/", "/_")):
            prefixes |= {_API + prefix for prefix in prefixes}
        return [
            request
            for request in list(self.requests)
            if any(
                p.startswith(prefix)
                for p in (request.path, unquote(request.path))
                for prefix in prefixes
            )
        ]
