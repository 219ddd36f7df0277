"""Secrets out of text and bytes: one redaction for the engine's answers and errors and the
CLI's output (kept apart from `engine` so that the CLI redacts without importing it)."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["REDACTED", "SECRET_END", "redact", "redact_bytes", "secret_fragments"]

REDACTED = "[REDACTED]"

# A secret's first and last characters identify it too (a key cut by a log or an upstream's
# own truncation): this many of each end are redacted as well, for secrets longer than twice it.
SECRET_END = 16


def secret_fragments(secrets: list[str]) -> tuple[str, ...]:
    """What to redact for ``secrets``: each whole, then its ends; longest first."""
    found: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        found.add(secret)
        if len(secret) > 2 * SECRET_END:
            found.update((secret[:SECRET_END], secret[-SECRET_END:]))
    return tuple(sorted(found, key=len, reverse=True))


@lru_cache(maxsize=8)
def _fragments(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """`secret_fragments`, once per set of secrets: every log line is redacted."""
    return secret_fragments(list(secrets))


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret in ``text`` (say, an exception message) with a marker."""
    for fragment in _fragments(tuple(secrets)):
        text = text.replace(fragment, REDACTED)
    return text


def redact_bytes(body: bytes, fragments: tuple[str, ...]) -> bytes:
    """``body`` (an upstream answer) with every fragment of `secret_fragments` replaced."""
    for fragment in fragments:
        needle = fragment.encode()
        if needle in body:
            body = body.replace(needle, REDACTED.encode())
    return body
