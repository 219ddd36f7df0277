"""HTML and Markdown into JSON the way the reference engine reads them: ``{"tables": [[row
objects keyed by header]]}``, plus ``frontMatter`` and ``sections`` for Markdown."""

from __future__ import annotations

from typing import Any

import yaml
from bs4 import BeautifulSoup, ParserRejectedMarkup, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["read_html", "read_markdown"]


def _table(headers: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    """Row objects; a short row's missing cells are ""."""
    return [
        {header: row[i] if i < len(row) else "" for i, header in enumerate(headers)} for row in rows
    ]


def _words(tag: Tag) -> str:
    return " ".join(tag.get_text().split())  # whitespace collapsed, as jsoup's text()


def read_html(text: str, selector: str | None) -> dict[str, Any]:
    """Every ``<table>`` (or those ``selector`` picks, or holds) with a header row."""
    try:
        document = BeautifulSoup(text, "html.parser")
    except ParserRejectedMarkup as exc:
        raise ValueError(str(exc)) from None
    if selector and selector.strip():
        tables: list[Tag] = []
        for element in document.select(selector):
            tables += [element] if element.name == "table" else element.select("table")
    else:
        tables = document.select("table")
    result: list[list[dict[str, str]]] = []
    for table in tables:
        cells = table.select("thead tr:first-child th") or table.select("tr:first-child th")
        headers = [_words(cell) for cell in cells]
        if not any(headers):
            continue
        rows = [
            [_words(cell) for cell in row.select("td")]
            for row in (table.select("tbody tr") or table.select("tr"))
            if not row.select("th") and row.select("td")  # a row with a <th> is a header
        ]
        result.append(_table(headers, rows))
    return {"tables": result}


_PARSER = MarkdownIt("commonmark").enable("table")


def _inline_text(token: Token) -> str:
    """The text of an inline token: text and code spans; soft breaks are spaces."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.children:
            parts.append(_inline_text(child))
    return "".join(parts)


def _blocks(tokens: list[Token]) -> list[list[Token]]:
    """Top-level blocks: the tokens from each level-0 opening (or leaf) to its close."""
    blocks: list[list[Token]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            blocks.append([])
        blocks[-1].append(token)
        depth += token.nesting
    return blocks


def _front_matter(markdown: str) -> tuple[dict[str, Any], str]:
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end > -1:
            block = markdown[4:end].strip()
            try:
                parsed = yaml.safe_load(block) if block else None
            except yaml.YAMLError as exc:
                raise ValueError(f"front matter: {str(exc).splitlines()[0]}") from None
            return (parsed if isinstance(parsed, dict) else {}), markdown[end + 5 :]
    return {}, markdown


def _markdown_table(block: list[Token]) -> list[dict[str, str]] | None:
    headers: list[str] = []
    rows: list[list[str]] = []
    section = ""
    for token in block:
        if token.type in ("thead_open", "tbody_open"):
            section = token.type
        elif token.type == "tr_open" and section == "tbody_open":
            rows.append([])
        elif token.type == "inline":
            if section == "thead_open":
                headers.append(_inline_text(token).strip())
            elif rows:
                rows[-1].append(_inline_text(token).strip())
    return _table(headers, rows) if any(headers) else None


def read_markdown(text: str, section_prefix: str | None) -> dict[str, Any]:
    """Front matter, top-level GFM tables, and the sections under each heading (their text,
    tables left out); ``section_prefix`` keeps only headings that start with it."""
    front, body = _front_matter(text.replace("\r\n", "\n"))
    tables: list[list[dict[str, str]]] = []
    sections: list[dict[str, Any]] = []
    heading: tuple[str, int] | None = None
    content: list[str] = []

    def close() -> None:
        if heading and (not section_prefix or heading[0].startswith(section_prefix)):
            sections.append(
                {"heading": heading[0], "level": heading[1], "content": "\n".join(content)}
            )

    for block in _blocks(_PARSER.parse(body)):
        kind = block[0].type
        inline = "".join(_inline_text(t) for t in block if t.type == "inline").strip()
        if kind == "table_open":
            table = _markdown_table(block)
            if table is not None:
                tables.append(table)
        elif kind == "heading_open":
            close()
            heading, content = (inline, int(block[0].tag[1:])), []
        elif heading is not None and inline:
            content.append(inline)
    close()
    return {"frontMatter": front, "tables": tables, "sections": sections}
