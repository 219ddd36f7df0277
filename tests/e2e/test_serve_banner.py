"""`iocgate serve` in demo mode as its README shows it: the banner first, the header example."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from iocgate.sim import SimSettings, build_corpus
from tests.support.processes import clean_env, free_port, running, wait_http

CORPUS = build_corpus(SimSettings().seed, SimSettings().file_count)  # what demo mode serves


def test_the_demo_banner_is_in_the_log_before_the_first_request_is_answered(
    tmp_path: Path,
) -> None:
    rest, mcp = free_port(), free_port()
    log = tmp_path / "stderr.log"
    args = ["serve", "--rest-port", str(rest), "--mcp-port", str(mcp)]
    with running(args, clean_env(tmp_path), stderr_path=log):
        wait_http(f"http://127.0.0.1:{rest}/healthz")
        written = log.read_text()
    lines = [line for line in written.splitlines() if line.strip()]
    assert lines, "nothing on stderr once REST answered"
    assert "DEMO" in lines[0], written
    assert f"http://127.0.0.1:{mcp}/mcp" in written  # the MCP address too, though it starts later


def test_the_readme_header_example_prints_only_the_headers_it_names(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    line = next(x for x in readme.splitlines() if "x-cache|age|x-request-id" in x)
    rest, mcp = free_port(), free_port()
    sha256 = CORPUS.pick("rich").sha256
    command = line.replace("127.0.0.1:8080", f"127.0.0.1:{rest}")
    args = ["serve", "--rest-port", str(rest), "--mcp-port", str(mcp)]
    with running(args, clean_env(tmp_path)):
        wait_http(f"http://127.0.0.1:{rest}/healthz")
        shown = subprocess.run(
            ["bash", "-c", command], env={"H": sha256, "PATH": os.environ["PATH"]},
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    lines = shown.stdout.splitlines()
    assert lines, shown.stderr
    names = {line.split(":", 1)[0].lower() for line in lines}
    assert names == {"x-cache", "x-request-id"}  # a first answer: a MISS, so no Age yet
