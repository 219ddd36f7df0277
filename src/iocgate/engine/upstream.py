"""Sending an `UpstreamRequest`: pooled connections, timeouts, safe redirects.

Bounds (issue #16): the wait for a pooled connection counts against the connect timeout; each
redirect hop is an upstream request, so ``on_redirect`` lets the caller charge it (quota) before
it is sent; too many hops or a ``Location`` that is not a plain http(s) URL is a
`BadUpstreamAnswerError`, which is not retried. The total deadline of an attempt and the minimum
transfer rate of streamed bodies are the engine's (`fetch.py`): they span the body too.

aiohttp carries the traffic. Measured on this kind of machine, httpx 0.28 spent about 1.3 ms of
CPU per 100 KB answer and its pool scanned every connection on every request, so 16 concurrent
calls were slower than one (bench/FINDINGS.md, §7); aiohttp spends about 0.3 ms. An httpx
transport can still be injected: the unit tests drive the simulator in-process through
`httpx.ASGITransport`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp
import httpx
import yarl

from iocgate import __version__
from iocgate.engine.auth import Authenticator, ClientCredentials, OutboundAuth
from iocgate.engine.request import UpstreamRequest
from iocgate.errors import BadUpstreamAnswerError, UpstreamTimeoutError, UpstreamUnavailableError

__all__ = ["UpstreamClient", "UpstreamResponse", "UpstreamSettings"]

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
MAX_TOKEN_ANSWER = 64 * 1024  # an OAuth2 token or metadata answer is a few KB at most
# What a redirect target may hold: RFC 3986 characters, percent escapes included. A backslash,
# a space or a control character is a broken (or hostile) upstream, not a URL to guess at.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    connect_timeout: float = 10.0  # the wait for a free pooled connection included
    read_timeout: float = 60.0  # the longest gap between two reads
    attempt_timeout: float = 60.0  # one attempt, headers and a JSON body, start to end
    min_transfer_rate: float = 4096.0  # bytes/s a streamed artefact must keep up...
    rate_grace: float = 10.0  # ...once this many seconds have passed
    max_connections: int = 64
    # Plugins may add to it (`Plugin.user_agent`): some front ends look at it.
    user_agent: str = f"iocgate/{__version__}"


class UpstreamResponse(Protocol):
    """What the engine reads of an upstream answer whose body is not read yet."""

    status_code: int

    @property
    def headers(self) -> Mapping[str, str]: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class _AiohttpResponse:
    """An aiohttp answer seen as an `UpstreamResponse`; a body cut short raises
    `httpx.ReadError`, the error the engine's readers already handle for either client."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers  # case-insensitive, like httpx's

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(CHUNK_BYTES):
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise httpx.ReadError(
                f"the upstream answer was cut short: {type(exc).__name__}"
            ) from None

    async def aclose(self) -> None:
        self._response.release()


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class UpstreamClient:
    """One pooled session for every upstream origin, opened lazily, closed with the engine."""

    def __init__(
        self,
        settings: UpstreamSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or UpstreamSettings()
        self._transport = transport
        self._session: aiohttp.ClientSession | None = None
        self._httpx: httpx.AsyncClient | None = None
        self.auth = Authenticator()

    def _aiohttp(self) -> aiohttp.ClientSession:
        if self._session is None:
            s = self.settings
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=s.max_connections, ttl_dns_cache=300),
                # `connect` spans the wait for a pooled connection: 64 stalled calls must not
                # leave the next one waiting forever.
                timeout=aiohttp.ClientTimeout(
                    connect=s.connect_timeout,
                    sock_connect=s.connect_timeout,
                    sock_read=s.read_timeout,
                ),
                headers={"User-Agent": s.user_agent},
                trust_env=False,
                auto_decompress=True,
            )
            # aiohttp resends an idempotent request once when a kept-alive connection turns
            # out closed; the engine's retry policy (bounded, quota-counted) must be the only
            # one. A private flag of aiohttp >= 3.10, pinned in constraints.txt.
            self._session._retry_connection = False
        return self._session

    def _injected(self) -> httpx.AsyncClient:
        if self._httpx is None:
            self._httpx = httpx.AsyncClient(
                transport=self._transport,
                headers={"User-Agent": self.settings.user_agent},
                timeout=httpx.Timeout(
                    self.settings.read_timeout, connect=self.settings.connect_timeout
                ),
                follow_redirects=False,
                trust_env=False,
            )
        return self._httpx

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._httpx is not None:
            await self._httpx.aclose()
            self._httpx = None

    async def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        auth: OutboundAuth | None = None,
    ) -> UpstreamResponse:
        origin = "{}://{}:{}".format(*_origin(url)) if auth is not None else ""
        if self._transport is not None:
            client = self._injected()
            built = client.build_request(method, url, headers=headers, content=body)
            digest = self.auth.httpx_auth(auth, origin)
            if digest is None:
                return await client.send(built, stream=True)
            return await client.send(built, stream=True, auth=digest)
        middleware = self.auth.middleware(auth, origin)
        raw = await self._aiohttp().request(
            method,
            yarl.URL(url, encoded=True),  # sent as built: yarl would resolve a ".." segment
            headers=headers,
            data=body,
            allow_redirects=False,  # followed by hand so the key never leaves the upstream
            middlewares=(middleware,) if middleware is not None else None,
        )
        return _AiohttpResponse(raw)

    async def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        form: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """A small request of iocgate's own (an OAuth2 token request, a metadata read), its
        answer read whole up to 64 KiB."""
        sent = {"Accept": "application/json", **headers}
        body = None
        if form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form).encode()
        timed_out = (
            f"the authorization server did not answer in time at {url} "
            f"(connect {self.settings.connect_timeout}s, read {self.settings.read_timeout}s)"
        )
        with _transport_errors(timed_out, f"cannot reach the authorization server at {url}"):
            response = await self._send_once(method, url, sent, body)
            answer = bytearray()
            try:
                async for chunk in response.aiter_bytes():
                    answer += chunk
                    if len(answer) > MAX_TOKEN_ANSWER:
                        break
            finally:
                await response.aclose()
        return response.status_code, bytes(answer[:MAX_TOKEN_ANSWER])

    async def send(
        self,
        request: UpstreamRequest,
        on_redirect: Callable[[], Awaitable[object]] | None = None,
    ) -> UpstreamResponse:
        """Send and return the response with its body not yet read (the caller reads or streams).

        Redirects are followed here: to another host the credential is not sent. Before each
        hop is sent, ``on_redirect`` runs (the engine takes a quota unit there). An OAuth2
        token the upstream refuses (revoked, or expired early) is replaced once.
        """
        url = request.send_url()
        headers = request.send_headers()
        method, body, auth = request.method, request.body, request.auth
        bearer = await self.auth.bearer(auth, self.exchange)
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer[0]}"
        upstream_origin = _origin(request.url)
        timed_out = (
            f"the upstream did not answer in time for {request.operation} (connect, with the "
            f"wait for a free connection, {self.settings.connect_timeout}s; read "
            f"{self.settings.read_timeout}s)"
        )
        with _transport_errors(timed_out, f"cannot reach the upstream for {request.operation}"):
            for hop in range(MAX_REDIRECTS + 1):
                if hop and on_redirect is not None:
                    await on_redirect()
                response = await self._send_once(method, url, headers, body, auth)
                if response.status_code == 401 and bearer is not None and bearer[1]:
                    # A held token the upstream refuses was revoked or expired early: replace
                    # it once. A token just issued is not asked for again.
                    assert isinstance(auth, ClientCredentials)
                    await response.aclose()
                    self.auth.tokens.invalidate(auth, bearer[0])
                    bearer = await self.auth.bearer(auth, self.exchange)
                    assert bearer is not None
                    headers["Authorization"] = f"Bearer {bearer[0]}"
                    bearer = None
                    response = await self._send_once(method, url, headers, body, auth)
                if response.status_code not in (301, 302, 303, 307, 308):
                    return response
                location = response.headers.get("location")
                await response.aclose()
                if not location:
                    return response
                url = _redirect_target(url, location, request.operation)
                if _origin(url) != upstream_origin:
                    headers = dict(request.headers)  # the credential stays with the upstream
                    auth = bearer = None
                if response.status_code == 303 or (
                    response.status_code in (301, 302) and method == "POST"
                ):
                    method, body = "GET", None
            raise BadUpstreamAnswerError(
                f"the upstream redirected more than {MAX_REDIRECTS} times for "
                f"{request.operation} (a redirect loop?); not retried"
            )


@contextlib.contextmanager
def _transport_errors(timed_out: str, unreachable: str) -> Iterator[None]:
    """Either client's (aiohttp, httpx) timeouts and transport failures as iocgate's errors:
    ``timed_out`` as said, ``unreachable`` followed by the failure's kind (never its text, which
    may hold the URL and so a key sent in the query)."""
    try:
        yield
    except (TimeoutError, httpx.TimeoutException):
        raise UpstreamTimeoutError(timed_out) from None
    except (aiohttp.ClientError, httpx.TransportError) as exc:
        raise UpstreamUnavailableError(f"{unreachable}: {type(exc).__name__}") from None


def _redirect_target(url: str, location: str, operation: str) -> str:
    """The absolute URL a ``Location`` points at; anything but a plain http(s) URL is refused."""
    target = urljoin(url, location) if _URL_CHARACTERS.fullmatch(location) else ""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = location[:200].encode("ascii", "backslashreplace").decode()
        raise BadUpstreamAnswerError(
            f"the upstream redirected {operation} to {shown!r}, which is not an http(s) URL; "
            "not followed"
        )
    return target
