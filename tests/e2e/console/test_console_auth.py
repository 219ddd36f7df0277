"""With inbound authentication on, the console asks for the token and keeps it per session."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from iocgate.sim import Corpus

TOKEN = "console-test-token"


def test_console_asks_for_the_token_keeps_it_for_the_session_and_sends_it(
    new_page: Any, start_gateway: Any, corpus: Corpus, tmp_path: Path, screenshots: Path
) -> None:
    report = next(r for r in corpus.pick("rich").reports if r.has_pcap)
    with start_gateway(tmp_path, token=TOKEN) as server:
        assert server.get(f"/x/investigate/{report.sha256}").status_code == 401
        tab, _ = new_page()
        tab.goto(server.url + "/")
        authorised: list[str] = []
        tab.on(
            "request",
            lambda r: (
                authorised.append(r.url)
                if r.headers.get("authorization") == f"Bearer {TOKEN}"
                else None
            ),
        )
        box = tab.locator("#search-input")
        box.fill(report.sha256)
        box.press("Enter")

        dialog = tab.locator("#token-dialog")
        dialog.wait_for(state="visible")
        tab.screenshot(path=screenshots / "token-dialog.png")
        tab.locator("#token-input").fill(TOKEN)
        tab.get_by_role("button", name="Use token").click()
        tab.wait_for_selector("#investigation:not([hidden]):not([aria-busy]) #inv-title")

        assert any(f"/x/investigate/{report.sha256}" in url for url in authorised)
        assert tab.evaluate("sessionStorage.getItem('iocgate.console.token')") == TOKEN
        assert TOKEN not in tab.evaluate("JSON.stringify(localStorage)")

        # A plain link cannot carry the header: artefacts go through fetch with the token.
        row = tab.locator(f".artefact-row[data-sandbox='{report.sandbox_name}']")
        with tab.expect_download() as download:
            row.get_by_role("link", name="Download pcap").click()
        saved = Path(download.value.path()).read_bytes()
        direct = server.get(
            f"/v1/file_behaviours/{report.id}/pcap",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert hashlib.sha256(saved).digest() == hashlib.sha256(direct.content).digest()
