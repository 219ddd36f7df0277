"""Schemathesis fuzzes the gateway from its own `/openapi.json`: no 5xx, answers as described."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.rest.conftest import Gateway

# A schema cannot describe which opaque cursors the upstream issued, so a made-up one that the
# upstream refuses with 400 is not a gateway fault; every other check schemathesis has applies.
EXCLUDED_CHECKS = "positive_data_acceptance"


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_description(
    gateway: Gateway, report_ids: dict[str, str], tmp_path: Path
) -> None:
    document = gateway.get("/openapi.json").json()
    # Real identifiers as examples, so that some generated calls reach 200 answers, not only 404s.
    examples = {
        "id": report_ids["sha256"],
        "sandbox_id": report_ids["sandbox_id"],
        "relationship": "contacted_domains",
    }
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in examples:
                    parameter["example"] = examples[parameter["name"]]
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(document))
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert executable is not None, "schemathesis is not installed (the test extra has it)"
    run = subprocess.run(
        [
            executable, "run", str(schema), "--url", gateway.url,
            "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
            "--max-examples", "10", "--max-time", "20", "--request-timeout", "20",
            "--seed", "1", "--workers", "2",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=80, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert gateway.sim.count() > 0
