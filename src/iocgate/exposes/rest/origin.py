"""The gateway's public origin: the base of every link the REST adapter writes.

Links in answers (``links.next``, MCP's REST links) are followed by clients with their bearer
token, and fast-path and rewritten bodies are shared between callers (issue #16, item 1). So
the origin never comes from what a client sends: it is the configured ``--public-url``, else
the address the connection arrived on. Only behind a trusted proxy (``--trusted-proxy``) does
the request's ``Host`` (and the scheme the proxy reports) decide it.
"""

from __future__ import annotations

from starlette.datastructures import URL
from starlette.types import Scope

__all__ = ["PublicOrigin"]


class PublicOrigin:
    """``origin(scope)``: the base URL (no trailing slash) links on this request start with."""

    def __init__(self, public_url: str | None = None, *, trust_host: bool = False) -> None:
        self.public_url = public_url.rstrip("/") if public_url else None
        self.trust_host = trust_host

    def __call__(self, scope: Scope) -> str:
        root = str(scope.get("root_path", ""))
        if self.public_url is not None:
            return self.public_url + root
        if self.trust_host:  # the proxy in front set Host and the scheme
            base = dict(scope)
            base["path"] = root or "/"
            base["query_string"] = b""
            return str(URL(scope=base)).rstrip("/")
        # The socket's own address, and plain http: `serve` terminates no TLS, and a scheme
        # rewritten from X-Forwarded-Proto is a client's claim unless the proxy is trusted.
        server = scope.get("server")
        if not server:
            return f"http://localhost{root}"
        host, port = server[0], server[1]
        shown = f"[{host}]" if ":" in str(host) else host
        if port is None or port == 80:
            return f"http://{shown}{root}"
        return f"http://{shown}:{port}{root}"
