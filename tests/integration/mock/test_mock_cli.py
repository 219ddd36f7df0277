"""`iocgate mock` as a process: it serves files on a real port and its errors say what to fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.processes import clean_env, mock_process

OPENAPI_DIR = Path(__file__).parents[2] / "fixtures" / "tutorial" / "openapi"


def test_mock_serves_each_file_under_its_rest_base_path(tmp_path: Path) -> None:
    files = sorted(OPENAPI_DIR.glob("*.yaml"))
    with mock_process(clean_env(tmp_path), *files) as services:
        assert set(services) == {"harbour-registry/2.1.0", "Pilotage Ledger/0.9"}
        harbour = services["harbour-registry/2.1.0"]
        assert harbour.endswith("/rest/harbour-registry/2.1.0")
        vessel = httpx.get(f"{harbour}/vessels/244123456", timeout=10)
        assert vessel.json()["vessel_name"] == "Aurora Borealis"
        ledger = services["Pilotage Ledger/0.9"]
        pilots = httpx.get(
            f"{ledger}/pilots?district=north", headers={"X-Ledger-Key": "k"}, timeout=10
        )
        assert pilots.headers["content-type"].startswith("application/xml")


def _mock(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iocgate", "mock", *args],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_explains_dispatchers_templates_and_errors(tmp_path: Path) -> None:
    result = _mock("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for words in ("URI_PARTS", "FALLBACK", "return 'example-name'", "request.body/field",
                  "x-microcks-refs", "/rest/<info.title>/<info.version>", "--port"):  # fmt: skip
        assert words in result.stdout, words


def test_a_file_that_is_not_openapi_is_named_with_the_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.yaml"
    bogus.write_text("title: shopping list\n")
    result = _mock(str(bogus), "--port", "0", tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"{bogus}: not an OpenAPI document" in result.stderr


def test_an_unsupported_dispatcher_is_named_with_the_supported_ones(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      x-microcks-operation: {dispatcher: JS, dispatcherRules: 'return 1'}\n"
        "      responses: {'200': {description: ok}}\n"
    )
    result = _mock(str(spec), "--port", "0", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "paths./a.get.x-microcks-operation: dispatcher 'JS' is not supported" in result.stderr
    assert "URI_PARTS" in result.stderr


def test_the_command_group_lists_mock(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "iocgate", "--help"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "mock" in result.stdout
    assert "Mock OpenAPI files offline from their examples" in result.stdout
