"""The skill adapter on a real port: catalogue, detail, files, and the groups in MCP's
instructions, from capabilities written in beta5 and alpha2."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from tests.support.processes import clean_env, free_port, running, wait_http

SURFACE = Path(__file__).parents[2] / "fixtures" / "surface"


def write_capability(tmp_path: Path, name: str, **ports: int) -> Path:
    """``name`` with its ports filled in and its skill directory created under ``tmp_path``."""
    skill_dir = tmp_path / "part-triage"
    (skill_dir / "refs").mkdir(parents=True, exist_ok=True)
    (skill_dir / "reorder.md").write_text("# Reorder below five in stock\n")
    (skill_dir / "refs" / "suppliers.txt").write_text("acme\n")
    text = (SURFACE / name).read_text().replace("SKILL_DIR", skill_dir.as_uri())
    for key, port in ports.items():
        text = text.replace(key, str(port))
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module", params=["skills-beta5.yaml", "skills-alpha2.yaml"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(skill base URL, MCP URL) of `iocgate serve` on a capability with a skill adapter."""
    tmp_path = tmp_path_factory.mktemp("skills")
    rest, mcp, skill = free_port(), free_port(), free_port()
    path = write_capability(tmp_path, request.param, REST_PORT=rest, MCP_PORT=mcp, SKILL_PORT=skill)
    with running(["serve", str(path)], clean_env(tmp_path)):
        wait_http(f"http://127.0.0.1:{skill}/skills")
        wait_http(f"http://127.0.0.1:{rest}/healthz")
        yield f"http://127.0.0.1:{skill}", f"http://127.0.0.1:{mcp}/mcp"


def test_the_catalogue_lists_each_skill_with_its_tool_names(served: tuple[str, str]) -> None:
    answer = httpx.get(f"{served[0]}/skills").json()
    assert answer["count"] == 2
    assert [s["name"] for s in answer["skills"]] == ["part-triage", "shop-etiquette"]
    assert answer["skills"][0]["tools"] == ["get-part", "lookup-part", "reorder-guide"]
    assert answer["skills"][0]["license"] == "Apache-2.0"
    assert answer["skills"][1]["tools"] == []


def test_a_skill_names_each_tool_source_adapter_and_action_or_its_instruction(
    served: tuple[str, str],
) -> None:
    answer = httpx.get(f"{served[0]}/skills/part-triage").json()
    assert answer["allowed-tools"] == "get-part" and answer["metadata"] == {"owner": "workshop"}
    tools = {tool["name"]: tool for tool in answer["tools"]}
    assert tools["get-part"]["type"] == "derived"
    assert tools["get-part"]["invocationRef"] == {
        "targetNamespace": "parts-mcp", "action": "get-part", "mode": "mcp"
    }  # fmt: skip
    assert tools["lookup-part"]["invocationRef"]["mode"] == "rest"
    assert tools["reorder-guide"] == {
        "name": "reorder-guide", "description": "When to reorder", "type": "instruction",
        "instruction": "reorder.md",
    }  # fmt: skip


def test_unknown_skill_is_a_404_naming_the_known_ones(served: tuple[str, str]) -> None:
    response = httpx.get(f"{served[0]}/skills/nope")
    assert response.status_code == 404
    assert "part-triage" in response.json()["error"]["message"]


def test_skill_files_are_listed_served_and_zipped_never_outside(served: tuple[str, str]) -> None:
    base = f"{served[0]}/skills/part-triage"
    files = httpx.get(f"{base}/contents").json()["files"]
    assert [f["path"] for f in files] == ["refs/suppliers.txt", "reorder.md"]
    guide = httpx.get(f"{base}/contents/reorder.md")
    assert guide.text.startswith("# Reorder") and guide.headers["content-type"].startswith(
        "text/markdown"
    )
    escape = httpx.get(f"{base}/contents/..%2F..%2F..%2Fetc%2Fpasswd")
    assert escape.status_code in (400, 404) and "root:" not in escape.text
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(f"{base}/download").content))
    assert sorted(archive.namelist()) == ["refs/suppliers.txt", "reorder.md"]
    no_files = httpx.get(f"{served[0]}/skills/shop-etiquette/contents")
    assert no_files.status_code == 404
    assert "declares no `location`" in no_files.json()["error"]["message"]


@pytest.mark.anyio
async def test_mcp_instructions_list_the_skill_groups(served: tuple[str, str]) -> None:
    async with Client(served[1]) as client:
        instructions = client.instructions or ""
    assert "part-triage: Find a part and decide whether to reorder it" in instructions
    assert "get-part, lookup-part, reorder-guide (instruction)" in instructions


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("sourceNamespace: parts-mcp", "sourceNamespace: parts-mpc", "names namespace 'parts-mpc'"),
        ("action: lookup-part}", "action: nope}", "names action 'nope'"),
    ],
)
def test_an_unknown_skill_source_stops_serve(tmp_path: Path, old: str, new: str, said: str) -> None:
    path = write_capability(
        tmp_path, "skills-beta5.yaml", REST_PORT=free_port(), MCP_PORT=free_port(),
        SKILL_PORT=free_port(),
    )  # fmt: skip
    path.write_text(path.read_text().replace(old, new))
    run = subprocess.run(
        [sys.executable, "-m", "iocgate", "serve", str(path)],
        env=clean_env(tmp_path), capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert said in run.stderr and "known:" in run.stderr
