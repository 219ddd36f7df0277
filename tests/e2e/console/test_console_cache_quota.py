"""Quota and cache made visible: cost before fetching, remaining budget, cache age, Refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from iocgate.sim import Corpus


def test_cache_status_is_shown_and_refresh_asks_for_fresh_answers(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    sha256 = corpus.pick("rich").sha256
    investigate(tab, gateway, sha256)
    badge = tab.locator(".tree-cache .cache-badge")
    badge.wait_for()
    # The same report a second time comes from the gateway's cache, with its age.
    tab.reload()
    tab.wait_for_selector("#investigation:not([aria-busy]) .tree-cache .cache-badge")
    assert badge.inner_text().startswith("cached")
    assert "old" in badge.inner_text()
    assert tab.locator(".answer-source .cache-badge").inner_text() != ""

    # Wait for the refresh's own request: the page may not be busy yet right after the click.
    with tab.expect_request(
        lambda r: r.url.split("?")[0].endswith(f"/x/investigate/{sha256}")
    ) as refreshed:
        tab.get_by_role("button", name="Refresh").click()
    assert refreshed.value.headers.get("cache-control") == "no-cache"
    expect(badge).to_have_text("fresh from upstream")
    tab.locator(".inv-header").screenshot(path=screenshots / "cache-header.png")


def test_small_quota_shows_the_cost_before_fetching_and_the_budget_left(
    new_page: Any,
    start_gateway: Any,
    corpus: Corpus,
    tmp_path: Path,
    screenshots: Path,
) -> None:
    needs = frozenset({"console", "plan"})
    with start_gateway(tmp_path, quota="8/min,100/day", needs=needs) as server:
        tab, _ = new_page()
        tab.goto(server.url + "/")
        fetched: list[str] = []
        tab.on("request", lambda r: fetched.append(r.url) if "/x/investigate/" in r.url else None)
        box = tab.locator("#search-input")
        box.fill(corpus.pick("rich").sha256)
        box.press("Enter")

        plan = tab.locator("#plan-panel")
        plan.wait_for(state="visible")
        assert "upstream call" in plan.inner_text()
        assert "8 left this minute" in tab.locator("#quota-value").inner_text()
        assert all(url.endswith("/plan") for url in fetched), "fetched before the analyst agreed"
        tab.screenshot(path=screenshots / "quota-plan.png")

        tab.get_by_role("button", name="Fetch it").click()
        tab.wait_for_selector("#investigation:not([hidden]):not([aria-busy]) #inv-title")
        left = tab.locator("#quota-value").inner_text()
        assert "left this minute" in left and "8 left" not in left
        # On a tight budget the process tree waits for the analyst to ask for it.
        assert tab.get_by_role("button", name="Load the process tree").is_visible()
