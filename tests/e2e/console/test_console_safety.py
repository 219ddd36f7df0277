"""Sandbox strings are data: a report full of script-like strings shows them and runs nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from iocgate.sim import Corpus

XSS = ("<script>alert(1)</script>", "javascript:alert(1)", '"><img src=x onerror=alert(1)>')
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _show_everything(tab: Any) -> None:
    """Unfold every lazy list and the whole process tree, so every string is in the page."""
    tab.wait_for_selector(".process-tree")
    tab.get_by_role("button", name="Expand all").click()
    for _ in range(50):
        more = tab.locator("button.show-more")
        if more.count() == 0:
            break
        more.first.click()


def test_script_like_strings_show_as_text_and_nothing_runs(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, problems = page
    investigate(tab, gateway, corpus.pick("hostile").sha256)
    _show_everything(tab)
    # Every technique's detail renders signature text too.
    for button in tab.locator(".matrix button.technique").all()[:5]:
        button.click()

    text = tab.locator("#investigation").inner_text()
    for payload in XSS:
        assert payload in text, f"{payload!r} is not shown as text"
    assert problems.dialogs == [], f"a report string ran script: {problems.dialogs}"
    assert problems.page_errors == []
    # A gateway without the optional plan route answers it 404 once; that is no script error.
    errors = [e for e in problems.console_errors if not re.search(r"404.*/plan\]$", e)]
    assert errors == []
    assert tab.locator("#investigation img").count() == 0
    assert tab.locator("#investigation script").count() == 0
    assert tab.locator("a[href^='javascript']").count() == 0
    assert tab.evaluate("[...document.querySelectorAll('[onerror],[onclick]')].length") == 0
    tab.locator("#sec-processes").screenshot(path=screenshots / "hostile-processes.png")
    tab.locator("#sec-host").screenshot(path=screenshots / "hostile-host.png")


def test_console_page_forbids_inline_script_and_framing(gateway: Any) -> None:
    answer = gateway.get("/")
    assert answer.headers["content-security-policy"] == CSP
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-iocgate-demo"] == "true"
    assert "<script>" not in answer.text  # only external modules and JSON data islands
    assert 'type="module"' in answer.text


def test_inline_script_injected_into_the_page_is_blocked_by_the_policy(
    page: Any, gateway: Any
) -> None:
    tab, problems = page
    tab.goto(gateway.url + "/")
    # What an escaping bug would amount to: markup with an inline handler inserted as HTML.
    tab.evaluate(
        """document.body.insertAdjacentHTML('beforeend',
        '<img src="data:," onerror="window.__ran = true"><div onclick="1">x</div>')"""
    )
    tab.wait_for_timeout(300)
    assert tab.evaluate("window.__ran === true") is False
    assert any("Content Security Policy" in error for error in problems.console_errors)
