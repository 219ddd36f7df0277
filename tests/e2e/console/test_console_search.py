"""Searching in the console: rich, poor, unknown and malformed input, demo hashes, recents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iocgate.sim import Corpus

UNKNOWN = "0" * 63 + "1"


def test_rich_hash_shows_the_verdict_every_sandbox_and_the_process_tree(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, problems = page
    rich = corpus.pick("rich")
    brief = investigate(tab, gateway, rich.sha256)

    assert tab.locator(".verdict").inner_text().lower() == brief["verdict"]["value"]
    shown = tab.locator(".compare-table thead th").all_inner_texts()
    assert shown == [run["name"] for run in brief["sandboxes"]]
    assert shown == [report.sandbox_name for report in rich.reports]
    tab.wait_for_selector(".process-tree .cmdline")
    assert tab.locator(".process-tree .cmdline").count() >= 1
    assert problems.dialogs == [] and problems.page_errors == []
    tab.screenshot(path=screenshots / "rich-top.png")
    for section in ("verdicts", "compare", "processes", "network", "hits", "host"):
        tab.locator(f"#sec-{section}").screenshot(path=screenshots / f"rich-{section}.png")


def test_search_by_md5_finds_the_same_file(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any
) -> None:
    tab, _ = page
    rich = corpus.pick("rich")
    brief = investigate(tab, gateway, rich.md5.upper())
    assert brief["file"]["sha256"] == rich.sha256
    assert rich.sha256 in tab.locator("#inv-title").inner_text()


def test_sandbox_id_opens_that_sandboxs_process_tree(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any
) -> None:
    tab, _ = page
    rich = corpus.pick("rich")
    chosen = rich.reports[1]
    investigate(tab, gateway, chosen.id)
    assert tab.locator("#tree-sandbox").input_value() == chosen.id
    tab.wait_for_selector(f".process-tree[aria-label='Process tree from {chosen.sandbox_name}']")


def test_poor_hash_shows_its_single_static_report(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    poor = corpus.pick("poor")
    brief = investigate(tab, gateway, poor.sha256)
    names = [report.sandbox_name for report in poor.reports]
    assert tab.locator(".compare-table thead th").all_inner_texts() == names
    assert tab.locator(".matrix .technique").count() == len(brief["techniques"])
    tab.screenshot(path=screenshots / "poor.png", full_page=True)


def test_known_file_without_behaviour_says_so_instead_of_empty_sections(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    brief = investigate(tab, gateway, corpus.pick("none").sha256)
    assert brief["has_behaviour_data"] is False
    assert brief["note"] in tab.locator(".inv-header .note").inner_text()
    assert "--allow-writes" in tab.locator(".inv-header .next-steps").inner_text()  # #22.8
    assert tab.locator("#sec-matrix").count() == 0
    tab.screenshot(path=screenshots / "no-behaviour.png", full_page=True)


def test_unknown_hash_is_reported_as_not_found(
    page: Any, gateway: Any, investigate: Any, screenshots: Path
) -> None:
    tab, problems = page
    assert investigate(tab, gateway, UNKNOWN) is None
    assert tab.locator("#inv-title").inner_text().startswith("Not found")
    assert "does not know" in tab.locator("#status").inner_text()
    assert problems.dialogs == []
    tab.screenshot(path=screenshots / "unknown.png", full_page=True)


def test_input_that_is_not_a_hash_is_explained_and_nothing_is_fetched(
    page: Any, gateway: Any, screenshots: Path
) -> None:
    tab, _ = page
    fetched: list[str] = []
    tab.on(
        "request", lambda r: fetched.append(r.url) if "/x/" in r.url or "/v1/" in r.url else None
    )
    tab.goto(gateway.url + "/")
    box = tab.locator("#search-input")
    error = tab.locator("#search-error")

    box.fill("not a hash")
    box.press("Enter")
    assert error.is_visible()
    assert "not a file hash" in error.inner_text()
    assert box.get_attribute("aria-invalid") == "true"

    box.fill("a" * 63)
    box.press("Enter")
    assert "63 hexadecimal characters" in error.inner_text()

    box.fill("b" * 64 + "_Sandbox/../../etc")
    box.press("Enter")
    assert "sandbox name" in error.inner_text()
    tab.screenshot(path=screenshots / "invalid-input.png")
    assert fetched == []


def test_a_bad_query_in_the_address_stays_in_the_search_box_beside_the_error(
    page: Any, gateway: Any
) -> None:
    tab, _ = page
    tab.goto(gateway.url + "/?q=not-a-hash")
    tab.wait_for_selector("#search-error:not([hidden])")
    assert tab.locator("#search-input").input_value() == "not-a-hash"
    assert "not a file hash" in tab.locator("#search-error").inner_text()


def test_demo_mode_offers_simulator_hashes_and_remembers_recent_searches(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any
) -> None:
    tab, _ = page
    tab.goto(gateway.url + "/")
    assert tab.locator("#demo-banner").is_visible()
    offered = tab.locator("#demo-list button").all()
    assert len(offered) >= 3
    poor = corpus.pick("poor").sha256
    assert any(poor in (b.get_attribute("title") or "") for b in offered)

    investigate(tab, gateway, poor)
    tab.reload()
    recent = tab.locator("#recent-list button")
    assert recent.count() >= 1
    assert poor in (recent.first.get_attribute("title") or "")
