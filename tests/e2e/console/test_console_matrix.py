"""The ATT&CK heat map: the simulator's techniques, their evidence, and keyboard use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iocgate.sim import Corpus

KILL_CHAIN = [
    "TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005",
    "TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040",
]  # fmt: skip


def _corpus_techniques(corpus: Corpus, kind: str) -> set[str]:
    return {
        technique["id"]
        for report in corpus.pick(kind).reports
        for technique in report.attributes.get("mitre_attack_techniques", [])
    }


def test_matrix_shows_every_technique_the_simulator_reported(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    brief = investigate(tab, gateway, corpus.pick("rich").sha256)
    buttons = tab.locator(".matrix button.technique")
    shown = {b.get_attribute("data-technique") for b in buttons.all()}
    assert shown == {t["id"] for t in brief["techniques"]}
    assert shown == _corpus_techniques(corpus, "rich")
    tab.locator("#sec-matrix").screenshot(path=screenshots / "matrix.png")


def test_tactics_are_columns_in_kill_chain_order_coloured_by_highest_severity(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any
) -> None:
    tab, _ = page
    brief = investigate(tab, gateway, corpus.pick("rich").sha256)
    columns = [
        cell.get_attribute("data-tactic")
        for cell in tab.locator(".matrix .tactic .technique:first-child").all()
    ]
    assert columns == sorted(columns, key=KILL_CHAIN.index)
    expected = {t["id"]: t["severity"] for t in brief["techniques"]}
    for button in tab.locator(".matrix button.technique").all():
        technique = button.get_attribute("data-technique")
        assert f"sev-{expected[technique]}" in (button.get_attribute("class") or "")


def test_clicking_a_technique_shows_its_signatures_and_sandboxes(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    brief = investigate(tab, gateway, corpus.pick("rich").sha256)
    technique = max(brief["techniques"], key=lambda t: len(t["signatures"]))
    button = tab.locator(f".matrix button[data-technique='{technique['id']}']").first
    button.click()

    detail = tab.locator("#technique-detail")
    assert technique["id"] in detail.locator("h3").inner_text()
    rows = detail.locator(".signatures-table tbody tr")
    assert rows.count() == len(technique["signatures"])
    texts = detail.locator(".signatures-table tbody td.untrusted").all_inner_texts()
    assert texts == [s["description"] for s in technique["signatures"]]
    for sandbox in technique["sandboxes"]:
        assert sandbox in detail.inner_text()
    assert button.get_attribute("aria-expanded") == "true"
    tab.locator("#sec-matrix").screenshot(path=screenshots / "matrix-selected.png")


def test_keyboard_reaches_the_search_box_and_opens_a_technique(
    page: Any, gateway: Any, corpus: Corpus, screenshots: Path
) -> None:
    tab, _ = page
    tab.goto(gateway.url + "/")
    for _ in range(10):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.id") == "search-input":
            break
    assert tab.evaluate("document.activeElement.id") == "search-input"

    tab.keyboard.type(corpus.pick("rich").sha256)
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#investigation:not([aria-busy]) .matrix")
    for _ in range(80):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.classList.contains('technique')"):
            break
    focused = tab.evaluate("document.activeElement.dataset.technique")
    assert focused, "Tab never reached a technique of the matrix"
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused technique has no visible focus ring"

    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("Enter")
    chosen = tab.evaluate("document.activeElement.dataset.technique")
    assert chosen in tab.locator("#technique-detail h3").inner_text()
    tab.locator("#sec-matrix").screenshot(path=screenshots / "matrix-keyboard.png")


@pytest.mark.parametrize("width", [1400, 1920])
def test_every_tactic_of_the_huge_sample_is_in_view_without_scrolling(
    new_page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path, width: int
) -> None:
    tab, _ = new_page(width=width, height=1000)
    investigate(tab, gateway, corpus.pick("huge").sha256)
    layout = tab.evaluate(
        """() => {
          const matrix = document.querySelector('.matrix');
          const box = matrix.getBoundingClientRect();
          const off = [...matrix.querySelectorAll('.tactic')]
            .filter((t) => { const r = t.getBoundingClientRect();
                             return r.left < box.left - 1 || r.right > box.right + 1; })
            .map((t) => t.querySelector('.tactic-name').textContent);
          return {tactics: matrix.querySelectorAll('.tactic').length, off,
                  overflow: matrix.scrollWidth - matrix.clientWidth,
                  pageOverflow: document.documentElement.scrollWidth - window.innerWidth};
        }"""
    )
    tab.locator("#sec-matrix").screenshot(path=screenshots / f"matrix-huge-{width}.png")
    assert layout["tactics"] >= 11
    assert layout["off"] == []  # Exfiltration and Impact were cut off at 1,400 px (#17)
    assert layout["overflow"] <= 0 and layout["pageOverflow"] <= 0
