"""Binary content (spec beta1): ``outputRawFormat: binary`` streams the bytes whatever their
Content-Type, ``outputMediaType`` names their media type, ``maxBinarySize`` bounds them (the
consumed operation's, else the exposing adapter's, else 10 MiB)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from iocgate.errors import CapabilityError, PayloadTooLargeError

__all__ = [
    "DEFAULT_BINARY_LIMIT",
    "DEFAULT_MAX_BINARY_BYTES",
    "BinaryLimit",
    "binary_limit",
    "binary_too_large",
    "bounded_chunks",
    "is_binary",
    "max_binary_bytes",
    "parse_binary_size",
]

#: The reference engine's default when no maxBinarySize is declared.
DEFAULT_MAX_BINARY_BYTES = 10 * 1024 * 1024

_SIZE = re.compile(r"(\d+(?:\.\d+)?)(B|KiB|MiB|GiB)")
_UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def is_binary(output_format: str | None) -> bool:
    return (output_format or "").lower() == "binary"


def parse_binary_size(text: str) -> int:
    """``512KiB``, ``5MiB``, ``1.5GiB`` or ``100B`` in bytes; the unit is required."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise CapabilityError(
            f"maxBinarySize {text!r} is not a size: write a number and a unit, "
            "B, KiB, MiB or GiB (e.g. 512KiB, 5MiB)",
            field="maxBinarySize",
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def max_binary_bytes(declared: str | None) -> int:
    return parse_binary_size(declared) if declared else DEFAULT_MAX_BINARY_BYTES


@dataclass(frozen=True, slots=True)
class BinaryLimit:
    """The bound on one call's binary answer, and where it was declared (for the error)."""

    bytes: int
    #: what to raise to accept more, e.g. "the maxBinarySize of the rest adapter photos-api"
    where: str


#: No maxBinarySize declared on the operation or its adapter.
DEFAULT_BINARY_LIMIT = BinaryLimit(
    DEFAULT_MAX_BINARY_BYTES,
    "the default (10MiB): set maxBinarySize on the consumed operation or on the adapter that "
    "exposes it",
)


def binary_limit(operation: str, own: str | None, adapter: tuple[str, str] | None) -> BinaryLimit:
    """The consumed ``operation``'s own maxBinarySize wins, then ``adapter`` (its size and its
    name, e.g. ``("25MiB", "mcp adapter photos-mcp")``), then the default."""
    if own:
        return BinaryLimit(
            parse_binary_size(own),
            f"the maxBinarySize ({own}) of the consumed operation {operation}",
        )
    if adapter is not None:
        size, name = adapter
        return BinaryLimit(
            parse_binary_size(size),
            f"the maxBinarySize ({size}) of the {name} (or set one on the consumed operation "
            f"{operation}, which wins)",
        )
    return DEFAULT_BINARY_LIMIT


async def bounded_chunks(
    chunks: AsyncIterator[bytes], limit: BinaryLimit, operation: str
) -> AsyncIterator[bytes]:
    """``chunks`` passed on until they exceed ``limit``, then an error: the stream stops (an
    MCP call sees an error, a REST client an error too when it comes early, else a body cut
    short)."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit.bytes:
            raise binary_too_large(operation, limit)
        yield chunk


def binary_too_large(operation: str, limit: BinaryLimit) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the binary answer to {operation} is larger than its maxBinarySize ({limit.bytes} "
        f"bytes); to accept it, raise {limit.where}"
    )
