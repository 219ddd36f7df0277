"""The Markdown and HTML reports: complete, self-contained, and inert for hostile strings."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from iocgate.sim.hostile import XSS_PAYLOADS
from iocgate.virustotal.exports import CSP, attack_matrix, report_html, report_markdown
from iocgate.virustotal.exports.markdown import code
from iocgate.virustotal.investigate import TACTICS, Brief, Cost, build_brief


class Elements(HTMLParser):
    """Collects start tags and text, the way a browser's parser would split the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


def test_the_html_report_has_no_script_and_shows_hostile_strings_as_text(
    briefs: dict[str, Brief],
) -> None:
    page = parse(report_html(briefs["hostile"]))
    names = {tag for tag, _ in page.tags}
    assert "script" not in names
    assert "img" not in names  # the '"><img onerror>' payload stayed text
    assert not any(key.startswith("on") for _, attrs in page.tags for key in attrs)
    text = "".join(page.text)
    for payload in XSS_PAYLOADS:
        assert payload in text


def test_control_and_bidi_characters_are_shown_escaped_in_every_human_format() -> None:
    sha256 = "b" * 64
    command = "cmd.exe /c echo \x1b[2J\x1b]8;;http://x.test/\x07click invoice\u202efdp.exe"
    report = {
        "id": f"{sha256}_Zenbox",
        "attributes": {"sandbox_name": "Zenbox", "command_executions": [command]},
    }
    brief = build_brief(
        sha256, summary={}, trees={}, reports=[report], cost=Cost("planned", 3, 0, 3, 1)
    )
    assert brief.indicators.command_lines.items[0].value == command  # verbatim in the brief
    for rendered in (report_html(brief), report_markdown(brief)):
        assert "\x1b" not in rendered and "\u202e" not in rendered and "\x07" not in rendered
        assert "\\x1b[2J" in rendered and "\\u202e" in rendered


def test_the_html_report_loads_nothing_from_outside(briefs: dict[str, Brief]) -> None:
    page_text = report_html(briefs["rich"])
    page = parse(page_text)
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert csp == [CSP]
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    for tag, attrs in page.tags:
        assert tag not in ("link", "iframe", "object", "embed")
        assert not (attrs.get("src") or "").startswith(("http", "//"))
    assert "@import" not in page_text and "url(" not in page_text


def test_the_heat_map_has_tactics_in_kill_chain_order_coloured_by_severity(
    briefs: dict[str, Brief],
) -> None:
    brief = briefs["rich"]
    columns = attack_matrix(brief)
    order = [t.shortname for t in TACTICS]
    assert [order.index(c.shortname) for c in columns] == sorted(
        order.index(c.shortname) for c in columns
    )
    page = report_html(brief)
    headings = re.findall(r'<div class="tactic"><h3>([^<]+)</h3>', page)
    assert headings == [c.name for c in columns]
    for technique in brief.techniques:
        assert f"background:{technique.severity.color}" in page


def test_the_markdown_report_puts_sandbox_strings_in_code_spans(
    briefs: dict[str, Brief],
) -> None:
    text = report_markdown(briefs["hostile"])
    assert "## ATT&CK techniques" in text
    for line in text.splitlines():
        stripped = re.sub(r"(`+)(.*?)\1", "", line)  # drop code spans: what remains is prose
        assert "<script>" not in stripped
    assert "`<script>alert(1)</script>`" in text or "<script>alert(1)</script>" in text


def test_code_spans_survive_backticks_and_table_pipes() -> None:
    assert code("a`b") == "``a`b``"
    assert code("x|y") == "`x\\|y`"
    assert code("`edge`") == "`` `edge` ``"


def test_both_reports_say_when_a_file_has_no_behaviour_data(briefs: dict[str, Brief]) -> None:
    note = briefs["none"].note
    assert note is not None
    assert note in report_markdown(briefs["none"])
    assert note in "".join(parse(report_html(briefs["none"])).text)
