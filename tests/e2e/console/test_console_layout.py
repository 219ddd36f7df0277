"""The console on a phone and the long lists of a huge report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from iocgate.sim import Corpus


def test_phone_width_needs_no_sideways_scrolling(
    new_page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = new_page(width=390, height=844)
    investigate(tab, gateway, corpus.pick("rich").sha256)
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a phone"
    tab.screenshot(path=screenshots / "phone-top.png")
    tab.locator("#sec-matrix").screenshot(path=screenshots / "phone-matrix.png")


def test_huge_report_renders_quickly_and_long_lists_grow_on_demand(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, problems = page
    huge = corpus.pick("huge")
    investigate(tab, gateway, huge.sha256)  # warms the gateway's cache
    started = time.monotonic()
    tab.reload()
    tab.wait_for_selector("#investigation:not([hidden]):not([aria-busy]) .process-tree")
    assert time.monotonic() - started < 10
    tab.screenshot(path=screenshots / "huge-top.png")
    # The IP addresses outnumber one page of rows: the rest waits behind "Show more". (Its
    # thousands of Explorer MRU registry keys are background noise, left out since #22.)
    rows = tab.locator("#sec-network tbody tr")
    rows_before = rows.count()
    more = tab.locator("#sec-network button.show-more")
    assert more.count() >= 1
    more.first.click()
    assert rows.count() > rows_before
    assert problems.page_errors == []
