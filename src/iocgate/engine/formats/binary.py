"""Binary content (spec beta1): ``outputRawFormat: binary`` streams the bytes whatever their
Content-Type, ``outputMediaType`` names their media type, ``maxBinarySize`` bounds them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from iocgate.errors import CapabilityError, PayloadTooLargeError

__all__ = [
    "DEFAULT_MAX_BINARY_BYTES",
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


async def bounded_chunks(
    chunks: AsyncIterator[bytes], limit: int, operation: str
) -> AsyncIterator[bytes]:
    """``chunks`` passed on until they exceed ``limit`` bytes, then an error: the stream stops
    (a REST client sees the body cut short, an MCP call an error)."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise binary_too_large(operation, limit)
        yield chunk


def binary_too_large(operation: str, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the binary answer to {operation} is larger than its maxBinarySize ({limit} bytes); "
        "raise maxBinarySize on the consumed operation to accept it"
    )
