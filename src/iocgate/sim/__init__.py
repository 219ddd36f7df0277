"""A stand-alone fake VirusTotal API v3 (file behaviours), for the tests and demo mode.

It imports nothing from iocgate outside this package.
"""

from iocgate.sim.app import create_app
from iocgate.sim.corpus import KINDS, Corpus, SandboxReport, SimFile, build_corpus
from iocgate.sim.errors import ERROR_STATUSES
from iocgate.sim.settings import DEMO_PRIVILEGED_KEY, DEMO_PUBLIC_KEY, Faults, SimSettings
from iocgate.sim.state import RecordedRequest, SimState

__all__ = [
    "DEMO_PRIVILEGED_KEY",
    "DEMO_PUBLIC_KEY",
    "ERROR_STATUSES",
    "KINDS",
    "Corpus",
    "Faults",
    "RecordedRequest",
    "SandboxReport",
    "SimFile",
    "SimSettings",
    "SimState",
    "build_corpus",
    "create_app",
]
