"""The control adapter on its own port, behind its bearer token, from beta5 and alpha2 files."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import clean_env, free_port, running, wait_http

SURFACE = Path(__file__).parents[2] / "fixtures" / "surface"
TOKEN = "control-t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def write_capability(tmp_path: Path, name: str, observability: bool) -> tuple[Path, int, int]:
    rest, control = free_port(), free_port()
    text = (SURFACE / name).read_text()
    text = text.replace("REST_PORT", str(rest)).replace("CONTROL_PORT", str(control))
    path = tmp_path / name
    path.write_text(text.replace("OBSERVABILITY", str(observability).lower()))
    return path, rest, control


@pytest.fixture(scope="module", params=["control-beta5.yaml", "control-alpha2.yaml"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(REST base URL, control base URL)."""
    tmp_path = tmp_path_factory.mktemp("control")
    path, rest, control = write_capability(tmp_path, request.param, observability=True)
    env = clean_env(tmp_path, PARTS_CONTROL_TOKEN=TOKEN)
    with running(["serve", str(path)], env):
        wait_http(f"http://127.0.0.1:{rest}/healthz")
        wait_http(f"http://127.0.0.1:{control}/health/live")
        yield f"http://127.0.0.1:{rest}", f"http://127.0.0.1:{control}"


def test_the_control_port_needs_its_token(served: tuple[str, str]) -> None:
    assert httpx.get(f"{served[1]}/health/live").status_code == 401
    wrong = httpx.get(f"{served[1]}/status", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(f"{served[1]}/health/live", headers=AUTH).json() == {"status": "UP"}


def test_ready_and_status_name_every_adapter_and_its_state(served: tuple[str, str]) -> None:
    ready = httpx.get(f"{served[1]}/health/ready", headers=AUTH)
    assert ready.status_code == 200 and ready.json()["status"] == "UP"
    kinds = {a["type"]: a for a in ready.json()["adapters"]}
    assert kinds["rest"]["namespace"] == "parts-rest" and kinds["rest"]["state"] == "started"
    assert kinds["rest"]["port"] == int(served[0].rsplit(":", 1)[1])
    status = httpx.get(f"{served[1]}/status", headers=AUTH).json()
    assert status["capability"]["display"] == "Parts with a control port"
    assert status["engine"]["name"] == "iocgate" and status["uptime"].startswith("PT")


def test_the_log_level_is_read_and_set(served: tuple[str, str]) -> None:
    assert httpx.get(f"{served[1]}/logs", headers=AUTH).json()["levelControl"] is True
    bad = httpx.put(f"{served[1]}/logs/level", headers=AUTH, json={"level": "loud"})
    assert bad.status_code == 400 and "debug" in bad.json()["error"]["message"]
    set_ = httpx.put(f"{served[1]}/logs/level", headers=AUTH, json={"level": "warning"})
    assert set_.json()["level"] == "warning"
    assert httpx.get(f"{served[1]}/logs", headers=AUTH).json()["level"] == "warning"


def test_metrics_on_the_control_port_and_ours_stay_where_they_are(served: tuple[str, str]) -> None:
    rest, control = served
    assert "iocgate_requests_total" in httpx.get(f"{control}/metrics", headers=AUTH).text
    assert "iocgate_requests_total" in httpx.get(f"{rest}/metrics").text
    assert httpx.get(f"{rest}/healthz").status_code == 200
    assert httpx.get(f"{rest}/readyz").status_code in (200, 503)


def test_observability_off_removes_metrics_from_the_control_port(tmp_path: Path) -> None:
    path, rest, control = write_capability(tmp_path, "control-beta5.yaml", observability=False)
    with running(["serve", str(path)], clean_env(tmp_path, PARTS_CONTROL_TOKEN=TOKEN)):
        wait_http(f"http://127.0.0.1:{control}/health/live")
        assert httpx.get(f"http://127.0.0.1:{control}/metrics", headers=AUTH).status_code == 404
        assert httpx.get(f"http://127.0.0.1:{rest}/metrics").status_code == 200


def test_scripting_on_the_control_port_stops_serve_with_a_clear_error(tmp_path: Path) -> None:
    path, _, _ = write_capability(tmp_path, "control-beta5.yaml", observability=True)
    text = path.read_text().replace(
        "      health: true\n", "      health: true\n      scripting: {enabled: true}\n"
    )
    path.write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "iocgate", "serve", str(path)],
        env=clean_env(tmp_path, PARTS_CONTROL_TOKEN=TOKEN), capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert "management.scripting" in run.stderr and "no embedded code" in run.stderr
