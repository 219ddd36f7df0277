"""Every way out answers an error in the one body, {"error": {"code", "message"}}, built by
`iocgate.errors.error_body` (Host refusal, inbound auth, REST router, skill, control)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from iocgate.errors import (
    STATUS_CODES,
    NotFoundError,
    QuotaExceededError,
    code_for_status,
    error_body,
)
from iocgate.exposes.auth import BearerTokens, InboundAuthMiddleware
from iocgate.exposes.hosts import HostAllowListMiddleware
from iocgate.exposes.rest.errors import http_exception_response, iocgate_error_response


def _ok_app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])


async def _get(app: ASGIApp, host: str = "127.0.0.1:8080") -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{host}"
    ) as client:
        return await client.get("/")


def test_an_errors_body_holds_its_code_and_message_and_nothing_else() -> None:
    assert NotFoundError("no such file").to_body() == {
        "error": {"code": "NotFoundError", "message": "no such file"}
    }
    assert error_body("X", "y") == {"error": {"code": "X", "message": "y"}}


@pytest.mark.parametrize(
    ("status", "code"),
    [(404, "NotFoundError"), (405, "MethodNotAllowedError"), (429, "TooManyRequestsError"),
     (418, "BadRequestError"), (500, "InternalError"), (502, "InternalError")],
)  # fmt: skip
def test_a_status_without_an_error_class_gets_the_trees_code(status: int, code: str) -> None:
    assert code_for_status(status) == code
    assert all(code_for_status(s) == c for s, c in STATUS_CODES.items())


@pytest.mark.anyio
async def test_a_refused_host_and_a_missing_token_answer_the_one_body() -> None:
    refused = await _get(HostAllowListMiddleware(_ok_app(), ["127.0.0.1:*"]), "evil.example")
    assert refused.status_code == 421
    assert refused.json().keys() == {"error"}
    assert refused.json()["error"].keys() == {"code", "message"}
    assert refused.json()["error"]["code"] == "MisdirectedRequestError"

    unauthenticated = await _get(InboundAuthMiddleware(_ok_app(), [BearerTokens(["s3cret"])]))
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"].keys() == {"code", "message"}


def test_rest_renders_raised_errors_and_router_errors_in_the_one_body() -> None:
    quota = iocgate_error_response(QuotaExceededError("spent", retry_after=2.5))
    assert quota.status_code == 429
    assert quota.headers["Retry-After"] == "3"
    assert quota.body == b'{"error": {"code": "QuotaExceededError", "message": "spent"}}'
    routed = http_exception_response(HTTPException(405))
    assert routed.body.startswith(b'{"error": {"code": "MethodNotAllowedError", "message": ')
