"""`iocgate investigate` as a user runs it: demo mode, no key, stdout holding only the result."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iocgate.sim import SimSettings, build_corpus

SETTINGS = SimSettings()
CORPUS = build_corpus(SETTINGS.seed, SETTINGS.file_count)  # the corpus demo mode serves
RICH = CORPUS.pick("rich")


def iocgate(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """The console script, with no key, a private cache directory and no terminal anywhere."""
    script = Path(sys.executable).with_name("iocgate")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "iocgate"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRUSTOTAL_", "IOCGATE_"))}
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=tmp,
        check=False,
    )


def test_format_json_prints_only_the_brief_and_the_plan_goes_to_stderr(tmp_path: Path) -> None:
    done = iocgate(
        "investigate", RICH.sha256, "--format", "json", "--quota", "public", tmp=tmp_path
    )
    assert done.returncode == 0, done.stderr
    brief = json.loads(done.stdout)
    assert brief["file"]["sha256"] == RICH.sha256
    assert brief["verdict"]["value"] == "malicious"
    assert [s["name"] for s in brief["sandboxes"]] == [r.sandbox_name for r in RICH.reports]
    assert brief["cost"]["upstream_calls"] == 4  # the file object, then the three of before
    assert brief["file"]["md5"] == RICH.md5
    assert brief["file_context"]["ratio"]
    # The public-key plan is stated, and nothing waited for an answer on a closed stdin.
    assert "plan: at least 4 upstream calls" in done.stderr
    assert "public key" in done.stderr
    assert "demo" in done.stderr


def test_format_brief_is_a_readable_summary_an_analyst_acts_on(tmp_path: Path) -> None:
    done = iocgate("investigate", RICH.sha256, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "MALICIOUS" in out
    assert "Top ATT&CK techniques" in out
    assert "Key indicators" in out
    assert "artefacts: pcap" in out
    assert "4 upstream calls" in out
    assert "engines flag it malicious" in out  # the file object's detection ratio
    assert "\x1b[" not in out  # not a terminal: no colour codes
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_a_brief_written_to_a_file_is_not_wrapped_mid_token(tmp_path: Path) -> None:
    done = iocgate("investigate", RICH.sha256, "--include-noise", tmp=tmp_path)  # stdout is a pipe
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"iocgate investigation of {RICH.sha256}" in lines  # the hash whole, on its line
    registry = [line for line in lines if "HKEY_" in line or "HKLM" in line or "HKCU" in line]
    assert registry, "the rich sample lists registry keys"
    assert max(len(line) for line in lines) > 80  # long lines stay long


def test_export_files_are_written_next_to_the_brief(tmp_path: Path) -> None:
    done = iocgate(
        "investigate", RICH.md5, "--quiet", "--format", "json",
        "--navigator", "layer.json", "--stix", "bundle.json", "--iocs", "iocs.csv",
        "--report", "report.html", tmp=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # --quiet: not even the plan
    assert json.loads(done.stdout)["file"]["sha256"] == RICH.sha256
    layer = json.loads((tmp_path / "layer.json").read_text())
    assert layer["versions"]["layer"] == "4.5" and layer["techniques"]
    bundle = json.loads((tmp_path / "bundle.json").read_text())
    assert bundle["type"] == "bundle"
    assert {"malware", "indicator", "attack-pattern"} <= {o["type"] for o in bundle["objects"]}
    rows = list(csv.reader(io.StringIO((tmp_path / "iocs.csv").read_text(), newline="")))
    header = ["type", "value", "context", "sandboxes", "classification", "confidence", "reason"]
    assert rows[0] == header and len(rows) > 1
    page = (tmp_path / "report.html").read_text()
    assert "Content-Security-Policy" in page and "<script" not in page
    assert not list(tmp_path.glob("*.part"))


def test_a_bad_hash_exits_1_naming_the_argument(tmp_path: Path) -> None:
    done = iocgate("investigate", "definitely-not-a-hash", "--format", "json", tmp=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "HASH" in done.stderr and "InvalidArgumentError" in done.stderr


def test_an_unknown_hash_exits_1_with_not_found(tmp_path: Path) -> None:
    done = iocgate("investigate", "0" * 64, "--format", "json", tmp=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "NotFoundError" in done.stderr


def test_max_calls_below_the_plan_refuses_without_spending(tmp_path: Path) -> None:
    done = iocgate("investigate", RICH.sha256, "--max-calls", "2", tmp=tmp_path)
    assert done.returncode == 1
    assert "--max-calls 2" in done.stderr
    assert "0 already made" in done.stderr


def test_an_iocs_file_needs_a_csv_or_json_suffix(tmp_path: Path) -> None:
    done = iocgate("investigate", RICH.sha256, "--iocs", "iocs.txt", tmp=tmp_path)
    assert done.returncode == 2
    assert ".csv or .json" in done.stderr


def test_the_file_object_is_served_by_default_and_the_reanalysis_needs_allow_writes(
    tmp_path: Path,
) -> None:
    report = iocgate("call", "get-file-report", f"id={RICH.md5}", "--json", tmp=tmp_path)
    assert report.returncode == 0, report.stderr
    attributes = json.loads(report.stdout)["data"]["attributes"]
    assert (attributes["sha256"], attributes["sha1"]) == (RICH.sha256, RICH.sha1)
    refused = iocgate("call", "reanalyse-file", f"id={RICH.sha256}", tmp=tmp_path)
    assert refused.returncode == 1
    assert "--allow-writes" in refused.stderr
    allowed = iocgate(
        "call", "reanalyse-file", f"id={RICH.sha256}", "--allow-writes", "--json", tmp=tmp_path
    )
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["data"]["type"] == "analysis"


def test_counts_of_one_read_in_the_singular(tmp_path: Path) -> None:
    single = next(f for f in CORPUS.files if f.kind == "poor" and len(f.reports) == 1)
    done = iocgate("investigate", single.sha256, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(1 upstream call so far)" in done.stderr
    assert "1 sandbox report," in done.stdout
    assert not re.search(r"\b1 (sandbox reports|upstream calls|ATT&CK techniques)", done.stdout)


def test_a_brief_with_no_sandbox_strings_has_no_untrusted_strings_note(tmp_path: Path) -> None:
    done = iocgate("investigate", CORPUS.pick("none").sha256, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no sandbox behaviour data" in done.stdout
    assert "untrusted data" not in done.stdout
