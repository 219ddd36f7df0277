"""A process tree to act on (#22.4): hits per process, injections, decoded PowerShell, and the
tree of the sandbox with the strongest verdict."""

from __future__ import annotations

import base64

import pytest
from starlette.applications import Starlette

from iocgate.virustotal.exports import report_markdown
from iocgate.virustotal.investigate import Brief
from iocgate.virustotal.investigate.processes import decode_powershell


def _encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


@pytest.mark.parametrize("flag", ["-enc", "-EncodedCommand", "-e", "/ec", "-ENCODEDCOMMAND"])
def test_every_spelling_of_encodedcommand_is_decoded_as_text(flag: str) -> None:
    script = "Write-Output 'pwned'; Start-Sleep 5"
    line = f"powershell.exe -NoP {flag} {_encoded(script)}"
    assert decode_powershell(line) == script


def test_what_is_not_encoded_powershell_is_left_alone() -> None:
    assert decode_powershell("cmd.exe /c -enc " + _encoded("dir")) is None  # not PowerShell
    assert decode_powershell("powershell.exe -enc not*base64!") is None
    assert decode_powershell("powershell.exe -ExecutionPolicy Bypass -File x.ps1") is None


def test_the_tree_is_the_strongest_verdicts_and_names_what_each_process_did(
    briefs: dict[str, Brief], investigation_sim: Starlette
) -> None:
    brief = briefs["rich"]
    rich = investigation_sim.state.sim.corpus.pick("rich")
    strongest = next(r for r in rich.reports if "TROJAN" in r.attributes.get("verdicts", []))
    assert brief.process_sandbox == strongest.sandbox_name
    report = strongest.attributes
    root = brief.processes.items[0]
    assert (root.depth, root.parent) == (0, None)
    assert root.injected_into == tuple(report["processes_injected"])
    powershell = next(n for n in brief.processes.items if n.decoded_powershell)
    assert "-enc" in powershell.name
    assert "DownloadString(" in powershell.decoded_powershell
    assert powershell.parent == root.pid
    sigma = next(hit for hit in powershell.hits if hit.kind == "sigma")
    assert "CommandLine=" in (sigma.context or "")
    assert any(hit.kind == "signature" for hit in powershell.hits)
    assert brief.processes.total == len(brief.processes.items)


def test_the_report_and_the_json_carry_the_processes_that_acted(briefs: dict[str, Brief]) -> None:
    brief = briefs["rich"]
    text = report_markdown(brief)
    assert f"## Processes that acted ({brief.process_sandbox})" in text
    assert "DownloadString" in text
    processes = brief.to_dict()["processes"]
    assert any("decoded_powershell" in item for item in processes["items"])
