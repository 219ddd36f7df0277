"""The HTML report in a real browser: headless Chromium renders it and runs none of its text.

Screenshots are kept under ``test-output/`` (git-ignored) for a person to look at. Chromium
comes from ``scripts/ensure-chromium.sh`` (``make test`` runs it).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import anyio
import pytest

from iocgate.sim import DEMO_PRIVILEGED_KEY
from iocgate.sim.hostile import PROMPT_INJECTION, XSS_PAYLOADS
from iocgate.virustotal.exports import report_html
from iocgate.virustotal.investigate import Brief, investigate
from tests.support.mcp_harness import build_engine
from tests.support.sim_fixtures import SimServer

OUTPUT = Path(__file__).resolve().parents[3] / "test-output"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no headless Chromium on PATH: run scripts/ensure-chromium.sh")


def run_chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", *arguments,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


@pytest.fixture(scope="module")
def report_briefs(sim_server: SimServer) -> dict[str, Brief]:
    async def build() -> dict[str, Brief]:
        engine = build_engine(sim_server.url, DEMO_PRIVILEGED_KEY)
        try:
            return {
                kind: await investigate(engine, sim_server.corpus.pick(kind).sha256)
                for kind in ("rich", "hostile")
            }
        finally:
            await engine.aclose()

    return anyio.run(build)


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    return tmp_path / "report.html"


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.parametrize("kind", ["rich", "hostile"])
def test_chromium_renders_the_report_to_a_full_screenshot(
    report_briefs: dict[str, Brief], tmp_path: Path, report_file: Path, kind: str
) -> None:
    report_file.write_text(report_html(report_briefs[kind]), encoding="utf-8")
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / f"investigate-report-{kind}.png"
    shot.unlink(missing_ok=True)
    done = run_chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", report_file.as_uri()
    )
    assert shot.exists(), done.stderr[-2000:]
    assert png_size(shot) == (1280, 2000)
    # A blank page compresses to a few KB; the heat map and tables make it far larger.
    assert shot.stat().st_size > 50_000


class DomText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_in_the_browser_hostile_strings_are_text_and_no_script_element_exists(
    report_briefs: dict[str, Brief], tmp_path: Path, report_file: Path
) -> None:
    report_file.write_text(report_html(report_briefs["hostile"]), encoding="utf-8")
    done = run_chromium(tmp_path, "--dump-dom", report_file.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = DomText()
    dom.feed(done.stdout)
    assert "table" in dom.tags  # the page did render
    assert "script" not in dom.tags
    assert "img" not in dom.tags
    text = "".join(dom.text)
    for payload in (*XSS_PAYLOADS, PROMPT_INJECTION[0]):
        assert payload in text
