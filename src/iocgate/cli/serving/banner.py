"""What `serve` says once its ports are bound: the URL of every adapter (or the demo banner)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iocgate.cli.output import stderr
from iocgate.cli.serving.listeners import Listeners, shown_host

if TYPE_CHECKING:
    from iocgate.gateway import Gateway

__all__ = ["announce", "serving_urls"]


def serving_urls(gateway: Gateway, listeners: Listeners) -> tuple[str | None, list[str]]:
    """The REST origin (``None``: no REST port) and one line per adapter served."""
    from iocgate.gateway import rest_extras

    rest_sock, mcp_sock = listeners.rest, listeners.mcp
    urls: list[str] = []
    rest_url = None
    if rest_sock is not None:
        rest_url = f"http://{shown_host(listeners.rest_host)}:{rest_sock.getsockname()[1]}"
        urls.append(f"REST     {rest_url}/v1/...   docs {rest_url}/docs")
        if any(route.path == "/" for route in rest_extras(gateway).routes):
            urls.append(f"console  {rest_url}/")  # a plugin serves a page there
    if mcp_sock is not None:
        mcp_host = listeners.mcp_host
        urls.append(f"MCP      http://{shown_host(mcp_host)}:{mcp_sock.getsockname()[1]}/mcp")
    for other in listeners.others:
        url = f"http://{shown_host(other.host)}:{other.sock.getsockname()[1]}"
        path = {"skill": "/skills", "mcp": "/mcp"}.get(other.kind, "")
        kind = "MCP" if other.kind == "mcp" else other.kind
        urls.append(f"{kind:<8} {url}{path}")
    return rest_url, urls


def announce(gateway: Gateway, urls: list[str]) -> None:
    """The demo banner in demo mode, else the list of URLs, on stderr."""
    from iocgate.gateway import print_demo_banner

    if gateway.demo is not None:
        print_demo_banner(gateway, urls)
    else:
        stderr("iocgate serving:\n" + "\n".join(f"  {u}" for u in urls))
