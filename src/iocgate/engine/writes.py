"""The write gate: operations that change upstream state are refused unless the operator opts in.

A gateway holds someone's key; an agent that can POST or DELETE with it can spend quota, delete
rules or share files. Read-only operations always pass; writes need ``--allow-writes`` (or the
operation listed in ``[writes] allow``), destructive ones (DELETE, ``destructive: true``) need
their own ``--allow-destructive`` (or ``[writes] allow_destructive``).
"""

from __future__ import annotations

from dataclasses import dataclass

from iocgate.capability import Hints, Operation
from iocgate.errors import ForbiddenError

__all__ = ["WritePolicy", "effective_hints"]


def effective_hints(operation: Operation, hints: Hints | None) -> Hints:
    """The hints of a call, or what the HTTP method implies when there are none."""
    if hints is not None and hints.readOnly is not None:
        return hints
    method = operation.method
    return Hints(
        readOnly=method == "GET",
        destructive=method == "DELETE",
        idempotent=method in ("GET", "PUT", "DELETE"),
    )


@dataclass(frozen=True, slots=True)
class WritePolicy:
    allow_writes: bool = False
    allow_destructive: bool = False
    allowed: frozenset[str] = frozenset()  # operation names (bare or ns-qualified) opted in
    allowed_destructive: frozenset[str] = frozenset()

    def _named(self, operation: Operation, names: frozenset[str]) -> bool:
        return operation.name in names or operation.qualified_name in names

    def check(self, operation: Operation, hints: Hints | None) -> None:
        """Raise `ForbiddenError` naming the setting that would allow this call."""
        effective = effective_hints(operation, hints)
        is_write = operation.method != "GET" or effective.readOnly is False
        if not is_write:
            return
        if effective.destructive or operation.method == "DELETE":
            if self.allow_destructive or self._named(operation, self.allowed_destructive):
                return
            raise ForbiddenError(
                f"{operation.name} ({operation.method}) is destructive and destructive operations "
                "are off: start iocgate with --allow-destructive, or list it under "
                "[writes] allow_destructive in the config file"
            )
        if self.allow_writes or self._named(operation, self.allowed):
            return
        raise ForbiddenError(
            f"{operation.name} ({operation.method}) changes data upstream and writes are off: "
            "start iocgate with --allow-writes, or list it under [writes] allow in the config file"
        )
