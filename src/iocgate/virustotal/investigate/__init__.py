"""The one-step investigation of a file hash: a verdict brief built on `Engine.invoke`.

`investigate(engine, hash)` gathers the behaviour summary, the MITRE ATT&CK trees and every
sandbox report within a stated quota plan, and returns a `Brief`; the exports
(`iocgate.virustotal.exports`) are pure functions of it.
"""

from iocgate.virustotal.investigate.attack import TACTICS, Tactic
from iocgate.virustotal.investigate.brief import build_brief
from iocgate.virustotal.investigate.errors import OverBudgetError
from iocgate.virustotal.investigate.gather import OPERATIONS, check_hash, estimate_plan, investigate
from iocgate.virustotal.investigate.model import (
    Agreement,
    Artefacts,
    Brief,
    Capped,
    Cost,
    Detection,
    Detections,
    FileHashes,
    Indicator,
    Indicators,
    SandboxRun,
    SignatureSeen,
    TacticRef,
    TagSeen,
    Technique,
    Verdict,
)
from iocgate.virustotal.investigate.plan import PAGE_SIZE, Plan, Progress, ProgressCallback, plan
from iocgate.virustotal.severity import Severity, normalise_severity

__all__ = [
    "OPERATIONS",
    "PAGE_SIZE",
    "TACTICS",
    "Agreement",
    "Artefacts",
    "Brief",
    "Capped",
    "Cost",
    "Detection",
    "Detections",
    "FileHashes",
    "Indicator",
    "Indicators",
    "OverBudgetError",
    "Plan",
    "Progress",
    "ProgressCallback",
    "SandboxRun",
    "Severity",
    "SignatureSeen",
    "Tactic",
    "TacticRef",
    "TagSeen",
    "Technique",
    "Verdict",
    "build_brief",
    "check_hash",
    "estimate_plan",
    "investigate",
    "normalise_severity",
    "plan",
]
