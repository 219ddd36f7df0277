"""What `iocgate serve` writes first when its stderr goes to a file or a journal (#17)."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import clean_env, free_port, running, wait_http


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
