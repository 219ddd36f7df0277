"""The quota plan of an investigation: how many upstream calls it will cost, stated up front.

An investigation makes ``2 + pages`` requests: the behaviour summary, the MITRE trees and one
page of sandbox reports per 40 reports, plus the file object when the gateway serves it. How
many pages is unknown until the first page arrives (its ``meta.count``), so the first plan says
"at least"; the next one is exact. A first page that lists no report ends it: the summary and
the trees of a file no sandbox ran hold nothing (#22). Answers already in the cache cost
nothing and are subtracted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PAGE_SIZE", "Plan", "Progress", "ProgressCallback", "plan"]

PAGE_SIZE = 40
"""Sandbox reports per page: VirusTotal's largest ``limit`` (vt-api.md §2)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """Upstream calls an investigation will make: exact, or a lower bound (``is_exact``)."""

    requests: int
    cached: int
    pages: int
    reports: int | None
    is_exact: bool
    spent: int = 0
    with_file: bool = False  # the file object (`GET /files/{id}`) is one of the requests

    @property
    def calls(self) -> int:
        """Upstream calls in all (already made ones included), counted against the quota."""
        return max(0, self.requests - self.cached)

    @property
    def remaining(self) -> int:
        """Upstream calls still to make."""
        return max(0, self.calls - self.spent)

    def exceeds(self, max_calls: int | None) -> bool:
        """Whether this plan is certain to go over ``max_calls`` upstream calls."""
        return max_calls is not None and self.calls > max_calls

    def describe(self) -> str:
        """One line for a person: ``exactly 4 upstream calls (...)``."""
        amount = "exactly" if self.is_exact else "at least"
        noun = "call" if self.calls == 1 else "calls"
        parts = ["file object"] if self.with_file else []
        if self.reports != 0:
            parts.append("behaviour summary, MITRE trees")
        if self.reports is None:
            parts.append(f"{self.pages}+ pages" if self.pages > 1 else "1+ page")
            parts[-1] += " of sandbox reports"
        elif self.reports == 0:
            parts.append("1 page listing no sandbox report")
        else:
            page_noun = "page" if self.pages == 1 else "pages"
            report_noun = "report" if self.reports == 1 else "reports"
            parts.append(f"{self.pages} {page_noun} for {self.reports} sandbox {report_noun}")
        cached = f"; {self.cached} of {self.requests} answers cached, free" if self.cached else ""
        return f"{amount} {self.calls} upstream {noun} ({', '.join(parts)}{cached})"

    def to_json(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "is_exact": self.is_exact,
            "requests": self.requests,
            "cached": self.cached,
            "pages": self.pages,
            "reports": self.reports,
            "spent": self.spent,
            "with_file": self.with_file,
            "text": self.describe(),
        }


def plan(
    *,
    reports: int | None = None,
    pages_at_least: int = 1,
    cached: int = 0,
    spent: int = 0,
    page_size: int = PAGE_SIZE,
    with_file: bool = False,
) -> Plan:
    """The plan for a file with ``reports`` sandbox reports (None: not known yet).

    ``cached`` is how many of the requests are known to be answered by the cache; ``spent``
    how many upstream calls were already made; ``with_file`` whether the file object is asked
    for too.
    """
    if reports is None:
        pages, exact = max(1, pages_at_least), False
    else:
        pages, exact = max(1, math.ceil(reports / page_size)), True
    requests = pages + (0 if reports == 0 else 2) + (1 if with_file else 0)
    return Plan(
        requests=requests,
        cached=min(cached, requests),
        pages=pages,
        reports=reports,
        is_exact=exact,
        spent=spent,
        with_file=with_file,
    )


@dataclass(frozen=True, slots=True)
class Progress:
    """What an investigation reports as it goes: the current plan and the last step."""

    plan: Plan
    done: int
    upstream_calls: int
    step: str | None = None
    cache: str | None = None


ProgressCallback = Callable[[Progress], None]
"""Called (synchronously, on the event loop) with each `Progress`; must not block."""
