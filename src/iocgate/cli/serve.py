"""`iocgate serve`: every adapter the capabilities expose (REST :8080, MCP :9090/mcp).

The command and its flags; what it runs lives in `iocgate.cli.serving` (one concept a module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from iocgate.cli.options import gateway_options, settings_from
from iocgate.cli.output import handle_errors, setup_logging

__all__ = ["serve"]


@click.command("serve")
@click.argument(
    "capabilities",
    nargs=-1,
    type=click.Path(path_type=Path, exists=True),
    metavar="[CAPABILITY]...",
)
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option(
    "--rest-port",
    type=click.IntRange(0, 65535),
    help="REST port (default: the capability's, 8080).",
)
@click.option(
    "--mcp-port", type=click.IntRange(0, 65535), help="MCP port (default: the capability's, 9090)."
)
@gateway_options
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), help="Log lines as text or JSON."
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
@click.option(
    "--allow-open",
    is_flag=True,
    default=None,
    help="Listen off loopback without tokens or declared authentication.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The URL clients reach the REST port at, e.g. https://iocgate.example; links in "
    "answers start with it and its host is accepted in Host (default: the bind address; env "
    "IOCGATE_PUBLIC_URL).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also accept this name in the Host header (repeatable; loopback names and the "
    "--public-url host always are). Other names get 421.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-For/-Proto and Host are believed (repeatable; "
    "default: none, so links never follow what a client sends).",
)
@click.option(
    "--workers",
    default="1",
    show_default=True,
    envvar="IOCGATE_WORKERS",
    metavar="N|auto",
    help="Processes serving the same ports (auto: one per core); they share the cache file, "
    "the artefact store and one quota budget (env IOCGATE_WORKERS).",
)
@handle_errors
def serve(capabilities: tuple[Path, ...], workers: str, **flags: Any) -> None:
    """Serve CAPABILITY files (default: the embedded VirusTotal file-behaviours capability).

    Starts every adapter the capability exposes: the REST API (port 8080: /v1/..., /docs,
    /openapi.json, /healthz, /readyz) and the MCP server (streamable HTTP at
    http://127.0.0.1:9090/mcp). Without VIRUSTOTAL_API_KEY, capabilities that bind it (the
    embedded one does) run in demo mode against the built-in VirusTotal simulator, which
    stderr and an X-Iocgate-Demo header say; other capabilities call their own upstream.
    SIGTERM drains in-flight requests (30 s at most), then exits 0. --workers N forks N
    processes on the same ports (docs/operations.md).

    \b
    Examples:
      iocgate serve                                   # demo mode without a key
      VIRUSTOTAL_API_KEY=... iocgate serve --quota public
      iocgate serve --upstream http://127.0.0.1:8090/api/v3
      IOCGATE_TOKENS=s3cret iocgate serve --host 0.0.0.0
      iocgate serve --workers auto                    # one process per core
    """
    from iocgate.cli.serving.heap import lean_imports

    lean_imports()  # first: before anything imports httpx or the MCP SDK
    from iocgate.cli.serving.exposure import check_exposure
    from iocgate.cli.serving.loop import run, serve_workers
    from iocgate.cli.workers import parse_workers

    count = parse_workers(workers)
    settings = settings_from(capabilities, **flags)
    setup_logging(settings.log_level, settings.log_format)
    check_exposure(settings)
    if count == 1:
        run(settings)
        return
    status = serve_workers(settings, count)
    if status:
        raise SystemExit(status)
