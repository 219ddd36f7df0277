"""The simulator's knobs: `SimSettings`, the run-time `Faults`, and the demo API keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

__all__ = ["DEMO_PRIVILEGED_KEY", "DEMO_PUBLIC_KEY", "Faults", "SimSettings"]

DEMO_PUBLIC_KEY: str = hashlib.sha256(b"iocgate simulator: demo public API key").hexdigest()
"""A public-tier key (4/min, 500/day); 64 lowercase hex characters, like a real VirusTotal key."""

DEMO_PRIVILEGED_KEY: str = hashlib.sha256(b"iocgate simulator: demo privileged API key").hexdigest()
"""A premium key: no quota, and it may download artefacts (pcap, evtx, memdump, html)."""


@dataclass
class Faults:
    """Failures injected into `/api/v3` requests; change them at run time via `PUT /_sim/faults`.

    Rates are drawn from an RNG seeded with `SimSettings.seed`, so a run is reproducible;
    `fail_next` gives exact control: the next N requests answer `fail_next_status`
    (status 0 means "drop the connection" instead of answering).
    """

    latency_ms: float = 0
    error_rate: float = 0
    deadline_rate: float = 0
    reset_rate: float = 0
    truncate_rate: float = 0
    slow_body_bytes_per_second: float | None = None
    fail_next: int = 0
    fail_next_status: int = 503


@dataclass(frozen=True)
class SimSettings:
    """Everything `create_app` needs; the defaults give a VirusTotal-like public/premium pair."""

    seed: int = 1
    file_count: int = 30
    public_keys: tuple[str, ...] = (DEMO_PUBLIC_KEY,)
    privileged_keys: tuple[str, ...] = (DEMO_PRIVILEGED_KEY,)
    public_per_minute: int = 4
    public_per_day: int = 500
    public_per_month: int | None = None
    minute_window_seconds: float = 60.0
    memdump_size: int = 8 * 1024 * 1024
    redirect_artefacts: bool = False
    faults: Faults = field(default_factory=Faults)
    base_url: str | None = None
    # VirusTotal documents no privilege callout for /html (vt-api.md §7, UNVERIFIED either way);
    # the simulator gates it like pcap/evtx/memdump unless told otherwise.
    html_requires_privilege: bool = True
    # AppEngine gzips only when Accept-Encoding has gzip *and* the User-Agent says "gzip".
    gzip_json: bool = True
