"""Download names for artefacts: safe characters, an extension from type and route."""

from __future__ import annotations

import pytest

from iocgate.exposes.rest.responses import artefact_filename

SANDBOX = "d" * 64 + "_VirusTotal Jujubox"


@pytest.mark.parametrize(
    ("content_type", "last", "expected"),
    [
        ("application/vnd.tcpdump.pcap", "pcap", f"{'d' * 64}_VirusTotal_Jujubox.pcap"),
        ("application/octet-stream", "pcap", f"{'d' * 64}_VirusTotal_Jujubox.pcap"),
        ("application/zip", "evtx", f"{'d' * 64}_VirusTotal_Jujubox.evtx.zip"),
        ("application/octet-stream", "memdump", f"{'d' * 64}_VirusTotal_Jujubox.memdump"),
        ("text/html; charset=utf-8", "html", f"{'d' * 64}_VirusTotal_Jujubox.html"),
        ("application/zip", None, f"{'d' * 64}_VirusTotal_Jujubox.zip"),
        ("application/x-unknown", None, f"{'d' * 64}_VirusTotal_Jujubox.bin"),
        ("image/jpeg", "thumbnail", f"{'d' * 64}_VirusTotal_Jujubox.thumbnail.jpg"),
        ("image/png", None, f"{'d' * 64}_VirusTotal_Jujubox.png"),
    ],
)
def test_the_download_name_is_the_id_with_an_extension_from_type_and_route(
    content_type: str, last: str | None, expected: str
) -> None:
    assert artefact_filename([SANDBOX], content_type, last) == expected


@pytest.mark.parametrize(
    "hostile",
    ['x"; filename=evil.exe', "../../etc/passwd", "a\r\nSet-Cookie: x=1", "名前", "..", ""],
)
def test_a_hostile_value_cannot_escape_the_quoted_safe_name(hostile: str) -> None:
    name = artefact_filename([hostile], "application/octet-stream", "pcap")
    stem = name.removesuffix(".pcap")
    assert name.endswith(".pcap")
    assert set(stem) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert not stem.startswith(".")
    assert stem


def test_a_very_long_value_gives_a_bounded_name() -> None:
    assert len(artefact_filename(["x" * 5000], "application/zip", "evtx")) <= 160
