"""The one exception tree of iocgate.

Each class carries VirusTotal's own error ``code`` and an HTTP ``status``, so that every way
out (REST, MCP, CLI) renders the same error the same way::

    IocgateError                      500 InternalError
    ├── CapabilityError               500 CapabilityError     (file, line, field)
    │   └── BindError                 500 BindError           (a bind variable is missing)
    ├── InvalidArgumentError          400 InvalidArgumentError
    ├── AuthenticationRequiredError   401
    ├── WrongCredentialsError         401
    ├── ForbiddenError                403
    ├── NotFoundError                 404
    ├── MethodNotAllowedError         405
    ├── PayloadTooLargeError          413
    ├── QuotaExceededError            429 (retry_after)
    ├── UpstreamUnavailableError      502 (retried)
    ├── UpstreamAuthenticationError   502 (the upstream's token endpoint refused; not retried)
    ├── UpstreamFormatError           502 (a body that does not parse as its declared format)
    ├── BadUpstreamAnswerError        502 (not retried: bad JSON, too large, bad redirect)
    ├── TransientError                503
    ├── DeadlineExceededError         504
    └── UpstreamTimeoutError          504

Upstream error *responses* are not exceptions: the engine returns them as data (status and
VirusTotal's ``{"error": {...}}`` body), and the adapters pass them on word for word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "STATUS_CODES",
    "AuthenticationRequiredError",
    "BadUpstreamAnswerError",
    "BindError",
    "CapabilityError",
    "DeadlineExceededError",
    "ForbiddenError",
    "InvalidArgumentError",
    "IocgateError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "QuotaExceededError",
    "TransientError",
    "UpstreamAuthenticationError",
    "UpstreamFormatError",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
    "WrongCredentialsError",
    "code_for_status",
    "error_body",
]

#: The error code of a status that no `IocgateError` raised (a router's own 404, a refused
#: Host, a bound reached): the codes the classes below use, where one fits.
STATUS_CODES: Mapping[int, str] = {
    400: "BadRequestError",
    401: "AuthenticationRequiredError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    413: "PayloadTooLargeError",
    429: "TooManyRequestsError",
    503: "TransientError",
    504: "DeadlineExceededError",
}


def code_for_status(status: int) -> str:
    """The error code for an HTTP error ``status`` (``BadRequestError``/``InternalError`` when
    none is listed)."""
    return STATUS_CODES.get(status, "InternalError" if status >= 500 else "BadRequestError")


def error_body(code: str, message: str) -> dict[str, dict[str, Any]]:
    """The one error body of every way out, VirusTotal's: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


class IocgateError(Exception):
    """Base of every error iocgate raises on purpose; ``message`` is safe to show a user."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_body(self) -> dict[str, dict[str, Any]]:
        """This error as the one error body (`error_body`)."""
        return error_body(self.code, self.message)


class CapabilityError(IocgateError):
    """A capability file is broken; names the file, the line and the field."""

    code = "CapabilityError"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str = "",
        path: str = "",
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.path = path or field  # the offending node's JSON path (jsonschema's json_path)
        where = file or "<capability>"
        if line is not None:
            where = f"{where}:{line}"
        location = f"{where}: {field}: " if field else f"{where}: "
        super().__init__(location + message)
        self.detail = message


class BindError(CapabilityError):
    """A variable that ``binds`` declares could not be resolved."""

    code = "BindError"


class InvalidArgumentError(IocgateError):
    code = "InvalidArgumentError"
    status = 400


class AuthenticationRequiredError(IocgateError):
    code = "AuthenticationRequiredError"
    status = 401


class WrongCredentialsError(IocgateError):
    code = "WrongCredentialsError"
    status = 401


class ForbiddenError(IocgateError):
    code = "ForbiddenError"
    status = 403


class NotFoundError(IocgateError):
    code = "NotFoundError"
    status = 404


class MethodNotAllowedError(IocgateError):
    code = "MethodNotAllowedError"
    status = 405

    def __init__(self, message: str, *, allow: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allow = allow


class PayloadTooLargeError(IocgateError):
    code = "PayloadTooLargeError"
    status = 413


class QuotaExceededError(IocgateError):
    code = "QuotaExceededError"
    status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamUnavailableError(IocgateError):
    code = "UpstreamUnavailableError"
    status = 502


class UpstreamAuthenticationError(IocgateError):
    """iocgate could not authenticate to the upstream (its token endpoint refused the client)."""

    code = "UpstreamAuthenticationError"
    status = 502


class UpstreamFormatError(IocgateError):
    """The upstream answered a body that does not parse as the operation's outputRawFormat."""

    code = "UpstreamFormatError"
    status = 502


class BadUpstreamAnswerError(IocgateError):
    """The upstream answered, but with something no retry would fix (issue #16)."""

    code = "BadUpstreamAnswerError"
    status = 502


class TransientError(IocgateError):
    code = "TransientError"
    status = 503


class DeadlineExceededError(IocgateError):
    code = "DeadlineExceededError"
    status = 504


class UpstreamTimeoutError(IocgateError):
    code = "UpstreamTimeoutError"
    status = 504
