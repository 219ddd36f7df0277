"""VirusTotal's error codes and statuses (the simulator's own copy) and the JSON error response."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

from starlette.responses import Response

__all__ = ["ERROR_STATUSES", "code_for_status", "error_body", "error_response"]

ERROR_STATUSES: Mapping[str, int] = MappingProxyType(
    {
        "BadRequestError": 400,
        "InvalidArgumentError": 400,
        "NotAvailableYet": 400,
        "UnselectiveContentQueryError": 400,
        "UnsupportedContentQueryError": 400,
        "AuthenticationRequiredError": 401,
        "UserNotActiveError": 401,
        "WrongCredentialsError": 401,
        "ForbiddenError": 403,
        "NotFoundError": 404,
        "MethodNotAllowedError": 405,
        "AlreadyExistsError": 409,
        "FailedDependencyError": 424,
        "QuotaExceededError": 429,
        "TooManyRequestsError": 429,
        "TransientError": 503,
        "DeadlineExceededError": 504,
    }
)
"""Every error code VirusTotal documents, with its HTTP status (plus 405 for a wrong method)."""

# When a fault asks for a bare status, answer with the code VirusTotal uses for it.
_CODE_FOR_STATUS: Mapping[int, str] = MappingProxyType(
    {
        400: "BadRequestError",
        401: "WrongCredentialsError",
        403: "ForbiddenError",
        404: "NotFoundError",
        405: "MethodNotAllowedError",
        409: "AlreadyExistsError",
        424: "FailedDependencyError",
        429: "TooManyRequestsError",
        503: "TransientError",
        504: "DeadlineExceededError",
    }
)

_DEFAULT_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "BadRequestError": "The request is not valid",
        "ForbiddenError": "You are not allowed to perform the requested operation",
        "NotFoundError": "Resource not found.",
        "TooManyRequestsError": "Too many requests",
        "TransientError": "Transient error, please try again later",
        "DeadlineExceededError": "The operation took too long to complete",
    }
)


def code_for_status(status: int) -> str | None:
    """The VirusTotal error code for an HTTP status, or None when VirusTotal has none."""
    return _CODE_FOR_STATUS.get(status)


def error_body(code: str, message: str | None = None) -> dict[str, dict[str, str]]:
    """`{"error": {"code", "message"}}`, VirusTotal's error envelope."""
    text = message if message is not None else _DEFAULT_MESSAGES.get(code, code)
    return {"error": {"code": code, "message": text}}


def error_response(
    code: str,
    message: str | None = None,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON error response in VirusTotal's shape; the status defaults to the code's own."""
    body = json.dumps(error_body(code, message)).encode()
    return Response(
        body,
        status_code=status if status is not None else ERROR_STATUSES[code],
        headers=dict(headers or {}),
        media_type="application/json",
    )
