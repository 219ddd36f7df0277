"""What resolving a capability found: errors, constructs not run yet, warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from iocgate.capability.source import Location

__all__ = ["Problems"]


@dataclass
class Problems:
    """Errors found while resolving, and constructs not run yet; each names a location."""

    errors: list[tuple[Location, str]] = field(default_factory=list)
    unsupported: list[tuple[Location, str]] = field(default_factory=list)
    warnings: list[tuple[Location, str]] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.errors.append((location, message))

    def warn(self, location: Location, message: str) -> None:
        """Valid but probably not meant: reported by `validate --strict`."""
        self.warnings.append((location, message))

    def not_yet(self, location: Location, construct: str) -> None:
        """``construct`` is valid spec that iocgate does not run yet (a start-up error)."""
        self.unsupported.append(
            (location, f"{construct} is not supported by this version of iocgate yet")
        )
