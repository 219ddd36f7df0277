"""The simulated VirusTotal database: files, their sandbox reports, and lookups by any hash.

`build_corpus(seed, file_count)` is deterministic. Profiles and hashes are made eagerly (cheap);
report attributes are built on first use, so the >1 MB "huge" report costs nothing until asked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from iocgate.sim.hostile import make_hostile
from iocgate.sim.platforms import (
    android_attributes,
    capa_attributes,
    linux_attributes,
    macos_attributes,
    sysinternals_attributes,
)
from iocgate.sim.profile import DroppedFile, FileProfile, build_profile
from iocgate.sim.sandboxes import ARTEFACTS, SANDBOXES
from iocgate.sim.vocabulary import FAMILIES, hex_string
from iocgate.sim.windows import windows_attributes

__all__ = ["KINDS", "Corpus", "SandboxReport", "SimFile", "build_corpus"]

KINDS: tuple[str, ...] = (
    "rich",
    "poor",
    "none",
    "huge",
    "hostile",
    "android",
    "macos",
    "linux",
    "ordinary",
    "many",
)
"""What `Corpus.pick` understands; every kind exists in every corpus."""

_FLAG = {
    "pcap": "has_pcap",
    "evtx": "has_evtx",
    "memdump": "has_memdump",
    "html": "has_html_report",
}
_ALL = ARTEFACTS
_WEB = ("pcap", "html")


@dataclass(frozen=True, slots=True)
class _Plan:
    kind: str
    platform: str
    scale: int
    sandboxes: tuple[tuple[str, tuple[str, ...]], ...]


_SPECIAL: tuple[_Plan, ...] = (
    _Plan(
        "rich",
        "windows",
        120,
        (
            ("VirusTotal Jujubox", _ALL),
            ("Zenbox", _ALL),
            ("VirusTotal Observer", _WEB),
            ("Dr.Web vxCube", _WEB),
            ("C2AE", ()),
            ("CAPA", ()),
        ),
    ),
    _Plan("poor", "windows", 1, (("CAPA", ()),)),
    _Plan("poor", "windows", 1, (("Microsoft Sysinternals", ()),)),
    _Plan("none", "windows", 1, ()),
    _Plan("huge", "windows", 2600, (("VirusTotal Jujubox", _WEB), ("C2AE", ()))),
    _Plan(
        "hostile",
        "windows",
        6,
        (("VirusTotal Jujubox", ("pcap", "evtx", "html")), ("Zenbox", _WEB)),
    ),
    _Plan("none", "windows", 1, ()),
    _Plan("android", "android", 4, (("VirusTotal R2DBox", _WEB),)),
    _Plan("macos", "macos", 4, (("VirusTotal Box of Apples", _WEB),)),
    _Plan("linux", "linux", 4, (("Zenbox Linux", _WEB),)),
    _Plan("none", "android", 1, ()),
)
_ORDINARY_SANDBOXES = (
    "VirusTotal Jujubox",
    "VirusTotal Observer",
    "Zenbox",
    "VirusTotal ZenBox",
    "Dr.Web vxCube",
    "ReaQta-Hive",
    "C2AE",
    "CAPA",
    "Microsoft Sysinternals",
)
# Kinds added later take the place of the last ordinary files, so that every file made before
# them (the kinds above and the ordinary files) keeps its hashes and content.
_LATER: tuple[_Plan, ...] = (
    # More reports than VirusTotal's default page of 10: paging must read them all (#22).
    _Plan(
        "many",
        "windows",
        8,
        tuple(
            (name, SANDBOXES[name].artefacts[:2])
            for name in (
                *_ORDINARY_SANDBOXES,
                "Tencent HABO",
                "Lastline",
                "VenusEye Sandbox",
                "Yomi Hunter",
                "CAPE Sandbox",
            )
        ),
    ),
)
_ORDINARY_SCALES = (1, 2, 4, 8, 16, 30, 60, 120, 250, 400)

MIN_FILE_COUNT = len(_SPECIAL) + len(_LATER)


class SandboxReport:
    """One sandbox's report on one file; `id` is `"{sha256}_{sandbox name}"`."""

    __slots__ = (
        "_attributes",
        "_build",
        "_json_size",
        "artefacts",
        "id",
        "sandbox_name",
        "sha256",
    )

    def __init__(
        self,
        sha256: str,
        sandbox_name: str,
        artefacts: tuple[str, ...],
        build: Callable[[], dict[str, Any]],
    ) -> None:
        self.sha256 = sha256
        self.sandbox_name = sandbox_name
        self.id = f"{sha256}_{sandbox_name}"
        self.artefacts = artefacts
        self._build = build
        self._attributes: dict[str, Any] | None = None
        self._json_size: int | None = None

    @property
    def attributes(self) -> dict[str, Any]:
        """The report's attributes exactly as VirusTotal would send them (no empty values)."""
        if self._attributes is None:
            self._attributes = self._build()
        return self._attributes

    @property
    def has_pcap(self) -> bool:
        """Whether `/pcap` exists for this report."""
        return "pcap" in self.artefacts

    @property
    def has_evtx(self) -> bool:
        """Whether `/evtx` exists for this report."""
        return "evtx" in self.artefacts

    @property
    def has_memdump(self) -> bool:
        """Whether `/memdump` exists for this report."""
        return "memdump" in self.artefacts

    @property
    def has_html_report(self) -> bool:
        """Whether `/html` exists for this report."""
        return "html" in self.artefacts

    def json_size(self) -> int:
        """Size in bytes of the attributes as compact JSON (what a client will download)."""
        if self._json_size is None:
            self._json_size = len(json.dumps(self.attributes, separators=(",", ":")).encode())
        return self._json_size

    def __repr__(self) -> str:
        return f"SandboxReport({self.id!r}, artefacts={self.artefacts!r})"


@dataclass(frozen=True, slots=True)
class SimFile:
    """A file VirusTotal knows, with self-consistent digests and its sandbox reports."""

    sha256: str
    sha1: str
    md5: str
    kind: str
    platform: str
    name: str
    size: int
    first_seen: int
    family: str | None
    reports: list[SandboxReport] = field(default_factory=list)

    @property
    def sandbox_ids(self) -> list[str]:
        """The ids of its reports, in the order `/files/{id}/behaviours` lists them."""
        return [report.id for report in self.reports]


class Corpus:
    """Every simulated file, indexed by SHA-256, SHA-1 and MD5 (any case)."""

    def __init__(self, seed: int, files: list[SimFile], dropped: dict[str, DroppedFile]) -> None:
        self.seed = seed
        self.files = files
        self._dropped = dropped
        self._by_hash: dict[str, SimFile] = {}
        self._reports: dict[str, SandboxReport] = {}
        for sim_file in files:
            for digest in (sim_file.sha256, sim_file.sha1, sim_file.md5):
                self._by_hash[digest] = sim_file
            for report in sim_file.reports:
                self._reports[report.id] = report

    def find_file(self, any_hash: str) -> SimFile | None:
        """The file with this SHA-256, SHA-1 or MD5, or None."""
        return self._by_hash.get(any_hash.strip().lower())

    def find_report(self, sandbox_id: str) -> SandboxReport | None:
        """The report with this id (`{sha256}_{sandbox name}`), or None."""
        digest, sep, name = sandbox_id.partition("_")
        if not sep:
            return None
        return self._reports.get(f"{digest.lower()}_{name}")

    def find_dropped(self, sha256: str) -> DroppedFile | None:
        """A file some report dropped, if VirusTotal "has" it."""
        return self._dropped.get(sha256.lower())

    def pick(self, kind: str) -> SimFile:
        """A stable file of `kind` (one of `KINDS`): the first such file in the corpus."""
        for sim_file in self.files:
            if sim_file.kind == kind:
                return sim_file
        raise KeyError(f"no file of kind {kind!r}; kinds: {', '.join(KINDS)}")

    def describe(self) -> list[dict[str, Any]]:
        """A JSON-able listing: hashes, kind, and per report its id, artefacts and JSON size."""
        return [
            {
                "sha256": sim_file.sha256,
                "sha1": sim_file.sha1,
                "md5": sim_file.md5,
                "kind": sim_file.kind,
                "platform": sim_file.platform,
                "name": sim_file.name,
                "reports": [
                    {
                        "id": report.id,
                        "sandbox_name": report.sandbox_name,
                        "artefacts": list(report.artefacts),
                        "approx_json_bytes": report.json_size(),
                    }
                    for report in sim_file.reports
                ],
            }
            for sim_file in self.files
        ]


def build_corpus(seed: int, file_count: int) -> Corpus:
    """Make the corpus for `seed`: the special kinds first, then ordinary files."""
    if file_count < MIN_FILE_COUNT:
        raise ValueError(f"file_count must be at least {MIN_FILE_COUNT}, got {file_count}")
    rng = Random(f"iocgate-sim/{seed}")
    ordinary = [_ordinary_plan(rng) for _ in range(file_count - len(_SPECIAL))]
    plans = [*_SPECIAL, *ordinary[: len(ordinary) - len(_LATER)], *_LATER]
    files: list[SimFile] = []
    dropped: dict[str, DroppedFile] = {}
    for index, plan in enumerate(plans):
        sim_file, profile = _make_file(rng, seed, index, plan)
        files.append(sim_file)
        for drop in profile.dropped:
            # Some dropped files "never reached" VirusTotal: inline NotFoundError items.
            if drop.sha256[0] not in "0123":
                dropped[drop.sha256] = drop
    return Corpus(seed, files, dropped)


def _ordinary_plan(rng: Random) -> _Plan:
    names = rng.sample(_ORDINARY_SANDBOXES, rng.randint(1, 5))
    sandboxes = tuple(
        (name, tuple(art for art in SANDBOXES[name].artefacts if rng.random() < 0.6))
        for name in names
    )
    return _Plan("ordinary", "windows", rng.choice(_ORDINARY_SCALES), sandboxes)


def _make_file(rng: Random, seed: int, index: int, plan: _Plan) -> tuple[SimFile, FileProfile]:
    content = f"iocgate-sim/{seed}/{index}/{plan.kind}".encode() + rng.randbytes(256)
    sha256 = hashlib.sha256(content).hexdigest()
    rich = plan.kind == "rich"
    profile = build_profile(
        Random(f"{seed}/{sha256}/profile"),
        sha256,
        plan.platform,
        scale=plan.scale,
        malicious=True if rich or plan.kind in ("hostile", "huge") else None,
        min_signatures=25 if rich else 3,
    )
    first_seen = 1_690_000_000 + rng.randint(0, 30_000_000)
    sim_file = SimFile(
        sha256=sha256,
        sha1=hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        kind=plan.kind,
        platform=plan.platform,
        name=profile.sample_name,
        size=rng.randint(8_000, 6_000_000) if plan.kind != "huge" else 14_680_064,
        first_seen=first_seen,
        family=profile.family,
    )
    for name, artefacts in plan.sandboxes:
        build = _builder(seed, profile, name, artefacts, first_seen, hostile=plan.kind == "hostile")
        sim_file.reports.append(SandboxReport(sha256, name, artefacts, build))
    return sim_file, profile


def _builder(
    seed: int,
    profile: FileProfile,
    sandbox_name: str,
    artefacts: tuple[str, ...],
    first_seen: int,
    *,
    hostile: bool,
) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        rng = Random(f"{seed}/{profile.sha256}/{sandbox_name}")
        sandbox = SANDBOXES[sandbox_name]
        if sandbox.name == "CAPA":
            attributes = capa_attributes(rng, profile)
        elif sandbox.name == "Microsoft Sysinternals":
            attributes = sysinternals_attributes(rng, profile)
        elif sandbox.platform == "linux":
            attributes = linux_attributes(rng, profile, sandbox.features)
        elif sandbox.platform == "macos":
            attributes = macos_attributes(rng, profile, sandbox.features)
        elif sandbox.platform == "android":
            attributes = android_attributes(rng, profile, sandbox.features)
        else:
            attributes = windows_attributes(
                rng, profile, sandbox.features, has_memdump="memdump" in artefacts
            )
        if "verdicts" in sandbox.features:
            attributes.update(_verdicts(rng, profile))
        if hostile:
            attributes = make_hostile(attributes)
        analysis_date = first_seen + rng.randint(60, 3_000_000)
        attributes.update(
            {
                "sandbox_name": sandbox_name,
                "analysis_date": analysis_date,
                "last_modification_date": analysis_date + rng.randint(60, 2_000_000),
                "behash": hex_string(rng, 32),
                **{flag: name in artefacts for name, flag in _FLAG.items()},
            }
        )
        cleaned: dict[str, Any] = _without_empty(attributes)
        return cleaned

    return build


def _verdicts(rng: Random, profile: FileProfile) -> dict[str, Any]:
    verdicts: dict[str, Any] = {"verdicts": [profile.verdict]}
    if profile.family:
        labels = [profile.family] + ([rng.choice(FAMILIES)] if rng.random() < 0.2 else [])
        verdicts["verdict_labels"] = labels
        verdicts["verdict_confidence"] = rng.choice((50, 75, 90, 99))
    return verdicts


def _without_empty(value: Any) -> Any:
    """VirusTotal omits attributes that have no data; it never sends `[]`, `{}` or null."""
    if isinstance(value, dict):
        cleaned = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in ([], {}, None, "")}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value
