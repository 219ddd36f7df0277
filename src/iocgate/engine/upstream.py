"""Sending an `UpstreamRequest` with httpx: pooled clients, timeouts, safe redirects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from iocgate.engine.request import UpstreamRequest
from iocgate.errors import UpstreamTimeoutError, UpstreamUnavailableError

__all__ = ["UpstreamClient", "UpstreamSettings"]

MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_connections: int = 64
    user_agent: str = "iocgate"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class UpstreamClient:
    """One pooled `httpx.AsyncClient` per upstream origin, opened lazily, closed together."""

    def __init__(
        self,
        settings: UpstreamSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or UpstreamSettings()
        self._transport = transport
        self._clients: dict[tuple[str, str, int | None], httpx.AsyncClient] = {}

    def _client(self, url: str) -> httpx.AsyncClient:
        key = _origin(url)
        client = self._clients.get(key)
        if client is None:
            s = self.settings
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                limits=httpx.Limits(
                    max_connections=s.max_connections, max_keepalive_connections=s.max_connections
                ),
                headers={"User-Agent": s.user_agent},
                follow_redirects=False,  # followed by hand so the key never leaves the upstream
                transport=self._transport,
                trust_env=False,
            )
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def send(self, request: UpstreamRequest) -> httpx.Response:
        """Send and return the response with its body not yet read (the caller reads or streams).

        Redirects are followed here: to another host the credential is not sent.
        """
        url = request.send_url()
        headers = request.send_headers()
        method, body = request.method, request.body
        upstream_origin = _origin(request.url)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                client = self._client(url)
                built = client.build_request(method, url, headers=headers, content=body)
                response = await client.send(built, stream=True)
                if response.status_code not in (301, 302, 303, 307, 308):
                    return response
                location = response.headers.get("location")
                await response.aclose()
                if not location:
                    return response
                url = urljoin(url, location)
                if _origin(url) != upstream_origin:
                    headers = dict(request.headers)  # the credential stays with the upstream
                if response.status_code == 303 or (
                    response.status_code in (301, 302) and method == "POST"
                ):
                    method, body = "GET", None
            raise UpstreamUnavailableError(
                f"the upstream redirected more than {MAX_REDIRECTS} times for {request.operation}"
            )
        except httpx.TimeoutException:
            raise UpstreamTimeoutError(
                f"the upstream did not answer in time for {request.operation} "
                f"(connect {self.settings.connect_timeout}s, read {self.settings.read_timeout}s)"
            ) from None
        except httpx.TransportError as exc:
            raise UpstreamUnavailableError(
                f"cannot reach the upstream for {request.operation}: {type(exc).__name__}"
            ) from None
