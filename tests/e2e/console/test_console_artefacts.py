"""Artefact downloads and exports from the console."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from iocgate.sim import Corpus


def test_pcap_download_is_byte_identical_to_the_rest_route(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    report = next(r for r in corpus.pick("rich").reports if r.has_pcap)
    investigate(tab, gateway, report.sha256)
    row = tab.locator(f".artefact-row[data-sandbox='{report.sandbox_name}']")
    with tab.expect_download() as download:
        row.get_by_role("link", name="Download pcap").click()
    saved = Path(download.value.path()).read_bytes()

    direct = gateway.get(f"/v1/file_behaviours/{quote(report.id)}/pcap")
    assert direct.status_code == 200
    assert hashlib.sha256(saved).hexdigest() == hashlib.sha256(direct.content).hexdigest()
    assert saved[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")  # a libpcap file
    shown = row.locator(".download-result .sha256").first.inner_text()
    assert shown == hashlib.sha256(saved).hexdigest()
    assert download.value.suggested_filename.endswith(".pcap")
    tab.locator("#sec-artefacts").screenshot(path=screenshots / "artefacts.png")


def test_every_export_is_one_link_to_its_investigation_route(
    page: Any, gateway: Any, corpus: Corpus, investigate: Any, screenshots: Path
) -> None:
    tab, _ = page
    sha256 = corpus.pick("rich").sha256
    investigate(tab, gateway, sha256)
    links = tab.locator("#sec-exports a.download-link")
    targets = {link.get_attribute("href") for link in links.all()}
    expected = {
        f"/x/investigate/{sha256}/{name}"
        for name in ("navigator", "stix", "iocs.csv", "iocs.json", "report.html", "report.md")
    }
    assert expected <= targets
    with tab.expect_download() as download:
        links.filter(has_text="IoCs as CSV").click()
    assert Path(download.value.path()).stat().st_size > 0
    tab.locator("#sec-exports").screenshot(path=screenshots / "exports.png")
