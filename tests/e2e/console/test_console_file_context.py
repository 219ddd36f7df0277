"""The file panel and the noise note in the console, at desktop widths (#22.1, #22.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iocgate.sim import Corpus


@pytest.mark.parametrize("width", [1400, 1920])
def test_the_file_panel_shows_detections_and_the_noise_left_out(
    new_page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path, width: int
) -> None:
    tab, problems = new_page(width=width, height=1100)
    rich = corpus.pick("rich")
    investigate(tab, gateway, rich.sha256)
    facts = tab.locator(".file-facts")
    text = facts.inner_text()
    assert "engines flag it malicious" in text
    assert rich.name in text and "Crowdsourced YARA" in text
    note = tab.locator("#sec-network").inner_text()
    assert "noise indicators left out" in note
    assert "OpenSavePidlMRU" not in tab.locator("#sec-host").inner_text()
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    acting = tab.locator("#acting-processes").inner_text()
    assert "DownloadString" in acting and "Injects into" in acting
    assert "strongest verdict" in acting
    assert not problems.page_errors and not problems.console_errors
    tab.screenshot(path=screenshots / f"file-context-{width}.png")
    tab.locator("#sec-processes").screenshot(path=screenshots / f"processes-{width}.png")
    tab.locator("#sec-network").screenshot(path=screenshots / f"network-noise-{width}.png")
