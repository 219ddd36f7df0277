"""Delimited text (csv, tsv, psv) into an array of objects keyed by the header row, values kept
as text, as Jackson's CsvMapper reads it with a header."""

from __future__ import annotations

import csv
import io

__all__ = ["read_delimited"]


def read_delimited(text: str, separator: str) -> list[dict[str, str]]:
    try:
        return _rows(text, separator)
    except csv.Error as exc:
        raise ValueError(str(exc)) from None


def _rows(text: str, separator: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    header = next(reader, None)
    if header is None:
        return []
    rows: list[dict[str, str]] = []
    for number, row in enumerate(reader, start=2):
        if not row:
            continue  # a blank line
        if len(row) > len(header):
            raise ValueError(f"row {number} has {len(row)} columns, the header only {len(header)}")
        rows.append(dict(zip(header, row, strict=False)))  # a short row lacks trailing fields
    return rows
