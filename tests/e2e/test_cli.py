"""The `iocgate` command as a user runs it: exit statuses, stdout that holds only results."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY
from iocgate.virustotal import DEFAULT_CAPABILITY
from tests.support.sim_fixtures import SimServer


def run(
    *args: str, key: str | None = None, tmp: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``iocgate ARGS`` with no ambient key or settings; state in ``tmp`` (else a fresh dir).

    With a key and no --quota, iocgate paces to the public 4/min budget: the tests that call
    an upstream say ``--quota unlimited`` (the simulator's privileged key has no quota).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRUSTOTAL_", "IOCGATE_"))}
    if key is not None:
        env["VIRUSTOTAL_API_KEY"] = key
    env["XDG_CACHE_HOME"] = str(tmp) if tmp is not None else tempfile.mkdtemp(prefix="iocgate-")
    return subprocess.run(
        [sys.executable, "-m", "iocgate", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_help_lists_every_command_and_exits_zero() -> None:
    done = run("--help")
    assert done.returncode == 0
    for command in ("serve", "stdio", "call", "validate", "sim", "investigate", "quota"):
        assert command in done.stdout


def test_version_prints_the_version() -> None:
    done = run("--version")
    assert done.returncode == 0 and "iocgate" in done.stdout


def test_validate_accepts_the_embedded_seed() -> None:
    done = run("validate", str(DEFAULT_CAPABILITY))
    assert done.returncode == 0
    assert "10 operations, 10 REST routes, 10 MCP tools" in done.stdout


def test_validate_strict_warns_of_the_three_deviations_and_still_exits_zero() -> None:
    done = run("validate", "--strict", str(DEFAULT_CAPABILITY))
    assert done.returncode == 0
    for field in (
        "ConsumedInputParameter",
        "ExposesRest.description",
        "MappedOutputParameterObject.properties",
    ):
        assert f"warning: {field}" in done.stderr


def test_validate_strict_names_the_json_path_of_each_departure() -> None:
    done = run("validate", "--strict", str(DEFAULT_CAPABILITY))
    node = "capability.consumes[0].resources[0].operations[0].inputParameters[0]"
    assert f"warning: ConsumedInputParameter at {node}: " in done.stderr
    report = json.loads(run("validate", "--strict", "--json", str(DEFAULT_CAPABILITY)).stdout)
    assert node in [w["path"] for w in report["warning_details"]]


def test_validate_reports_file_line_and_field_and_exits_one(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = DEFAULT_CAPABILITY.read_text().replace(
        "call: ioc-investigation-ioc-investigation-files-behaviours.fileBehavioursPcap",
        "call: ioc-investigation-ioc-investigation-files-behaviours.noSuchOperation",
        1,
    )
    broken.write_text(text)
    line = text.splitlines().index(
        "        call: ioc-investigation-ioc-investigation-files-behaviours.noSuchOperation"
    )
    done = run("validate", str(broken))
    assert done.returncode == 1
    assert (
        f"{broken}:{line + 1}: error: capability.exposes[0].resources[4].operations[0].call:"
        in (done.stderr)
    )


def test_validate_json_is_pure_json_on_stdout() -> None:
    done = run("validate", "--json", str(DEFAULT_CAPABILITY))
    assert json.loads(done.stdout)["valid"] is True


def test_usage_error_exits_two() -> None:
    assert run("validate").returncode == 2
    assert run("call").returncode == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("get-summary-all-behavior-reprts", "id=x"),
            "did you mean get-summary-all-behavior-reports",
        ),
        (("get-summary-all-behavior-reports",), "needs id"),
        (("get-summary-all-behavior-reports", "0" * 64), "must be written key=value"),
        (("get-summary-all-behavior-reports", "id=x", "limt=5"), "unknown argument(s) limt"),
    ],
    ids=["unknown-tool", "missing-argument", "no-equals", "unknown-argument"],
)
def test_call_usage_errors_exit_two_and_say_what_to_write(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    done = run("call", *args, tmp=tmp_path)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr
    assert "NotFoundError" not in done.stderr  # that reads like an upstream 404
    assert done.stdout == ""


def test_call_json_prints_exactly_the_upstream_body(sim_server: SimServer) -> None:
    sha256 = sim_server.corpus.pick("rich").sha256
    done = run(
        "call", "get-summary-all-behavior-reports", f"id={sha256}",
        "--upstream", sim_server.url, "--quota", "unlimited", "--json", "--cache", "off",
        key=DEMO_PRIVILEGED_KEY,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    direct = httpx.get(
        f"{sim_server.url}/files/{sha256}/behaviour_summary",
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    )
    assert done.stdout.rstrip("\n") == direct.text
    assert DEMO_PRIVILEGED_KEY not in done.stdout + done.stderr


def test_call_an_upstream_error_prints_its_code_and_exits_one(sim_server: SimServer) -> None:
    done = run(
        "call", "fileAllBehavioursSummary", "id=" + "0" * 64, "--upstream", sim_server.url,
        "--quota", "unlimited", "--cache", "off", key=DEMO_PRIVILEGED_KEY,
    )  # fmt: skip
    assert done.returncode == 1
    assert "NotFoundError" in done.stderr and done.stdout == ""


def test_call_refuses_a_bad_hash_before_calling_upstream(sim_server: SimServer) -> None:
    before = sim_server.state.count()
    done = run(
        "call", "fileAllBehavioursSummary", "id=../../users/me", "--upstream", sim_server.url,
        "--quota", "unlimited", key=DEMO_PRIVILEGED_KEY,
    )  # fmt: skip
    assert done.returncode == 1 and "InvalidArgumentError" in done.stderr
    assert sim_server.state.count() == before


def test_call_without_a_key_against_an_upstream_names_the_missing_variable(
    sim_server: SimServer,
) -> None:
    done = run("call", "fileAllBehavioursSummary", "id=" + "0" * 64, "--upstream", sim_server.url)
    assert done.returncode == 1 and "VIRUSTOTAL_API_KEY" in done.stderr
    # The likely upstream is a local `iocgate sim`: say where its keys are.
    assert "iocgate sim --list" in done.stderr


def test_call_writes_an_artefact_to_a_file_byte_exact(
    sim_server: SimServer, tmp_path: Path
) -> None:
    report = next(r for r in sim_server.corpus.pick("rich").reports if r.has_pcap)
    out = tmp_path / "run.pcap"
    done = run(
        "call", "get-pcap-file-generated-during", f"sandbox_id={report.id}", "--output", str(out),
        "--upstream", sim_server.url, "--quota", "unlimited", "--json", "--cache", "off",
        key=DEMO_PRIVILEGED_KEY,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    direct = httpx.get(
        f"{sim_server.url}/file_behaviours/{quote(report.id)}/pcap",
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    )
    summary = json.loads(done.stdout)
    assert out.read_bytes() == direct.content
    assert summary["sha256"] == hashlib.sha256(direct.content).hexdigest()


@pytest.mark.parametrize("kind", ["rich", "poor"])
def test_call_in_demo_mode_needs_no_key(tmp_path: Path, kind: str) -> None:
    listing = json.loads(run("sim", "--list", "--json").stdout)
    files = listing["files"] if isinstance(listing, dict) else listing
    sha256 = next(f["sha256"] for f in files if f["kind"] == kind)
    done = run("call", "get-all-behavior-reports-file", f"id={sha256}", "--json", tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"][0]["id"].startswith(sha256)


def test_call_writes_a_json_answer_to_the_output_file(
    sim_server: SimServer, tmp_path: Path
) -> None:
    sha256 = sim_server.corpus.pick("rich").sha256
    out = tmp_path / "summary.json"
    done = run(
        "call", "get-summary-all-behavior-reports", f"id={sha256}", "--output", str(out),
        "--upstream", sim_server.url, "--quota", "unlimited", "--cache", "off",
        key=DEMO_PRIVILEGED_KEY,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    direct = httpx.get(
        f"{sim_server.url}/files/{sha256}/behaviour_summary",
        headers={"x-apikey": DEMO_PRIVILEGED_KEY},
    )
    assert out.read_bytes() == direct.content
    assert done.stdout == ""  # the answer went to the file, not the terminal
    assert f"wrote {len(direct.content)} bytes to {out}" in done.stderr


def test_call_help_examples_keep_their_spacing() -> None:
    done = run("call", "--help")
    examples = done.stdout.split("Examples:", 1)[1].split("Options:", 1)[0]
    for line in examples.strip().splitlines():
        assert not re.search(r"\S {3,}\S", line), line  # no line continuation swallowed


def test_investigate_offers_no_write_gate_it_cannot_use() -> None:
    done = run("investigate", "--help")
    assert done.returncode == 0
    assert "--allow-writes" not in done.stdout
    assert "--allow-destructive" not in done.stdout
