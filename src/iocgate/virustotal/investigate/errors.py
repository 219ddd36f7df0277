"""Upstream error answers as `IocgateError`s, and the error for a plan over budget.

The engine returns an upstream error as data (a `Result` with VirusTotal's ``{"error": ...}``
body); an investigation cannot go on without its answers, so it raises instead. The class is
chosen by status; the upstream's code word is kept in the message when it differs.
"""

from __future__ import annotations

from iocgate.engine import Result, parse_retry_after
from iocgate.errors import (
    AuthenticationRequiredError,
    DeadlineExceededError,
    ForbiddenError,
    InvalidArgumentError,
    IocgateError,
    NotFoundError,
    QuotaExceededError,
    TransientError,
    UpstreamUnavailableError,
    WrongCredentialsError,
)

__all__ = ["OverBudgetError", "error_for_result"]

DEFAULT_RETRY_AFTER = 60.0
"""Seconds to wait after an upstream 429 without Retry-After (vt-api.md §6: back off ≥ 60 s)."""


class OverBudgetError(InvalidArgumentError):
    """The investigation's plan needs more upstream calls than ``max_calls`` allows."""


def _retry_after(result: Result) -> float:
    seconds = parse_retry_after(result.headers.get("retry-after"))
    return DEFAULT_RETRY_AFTER if seconds is None else seconds


def error_for_result(result: Result, what: str) -> IocgateError:
    """The exception for an upstream error answer to the request for ``what``."""
    code = result.error_code or f"HTTP{result.status}"
    upstream = result.error_message or "the upstream answered with an error"
    message = f"{what}: {upstream}"
    status = result.status
    if status == 429:
        return QuotaExceededError(
            f"{message} (upstream {code}); retry later", retry_after=_retry_after(result)
        )
    by_code: dict[str, type[IocgateError]] = {
        "AuthenticationRequiredError": AuthenticationRequiredError,
        "WrongCredentialsError": WrongCredentialsError,
    }
    by_status: dict[int, type[IocgateError]] = {
        400: InvalidArgumentError,
        401: WrongCredentialsError,
        403: ForbiddenError,
        404: NotFoundError,
        503: TransientError,
        504: DeadlineExceededError,
    }
    cls = by_code.get(code) or by_status.get(status, UpstreamUnavailableError)
    if cls.code != code:
        message += f" (upstream {code}, HTTP {status})"
    return cls(message)
