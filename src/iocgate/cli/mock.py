"""`iocgate mock`: serve OpenAPI files' named examples offline, the way Microcks does."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import click

from iocgate.mock import (
    MockService,
    MockSpecError,
    base_path,
    create_app,
    load_services,
)

__all__ = ["mock"]


@click.command("mock", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument(
    "openapi_files",
    metavar="OPENAPI...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (Microcks' default); 0 = any free port.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the base URLs as one JSON line on stdout."
)
def mock(openapi_files: tuple[Path, ...], host: str, port: int, as_json: bool) -> None:
    """Mock OpenAPI files offline: each answers its named examples like Microcks does.

    Each file is served under /rest/<info.title>/<info.version>/, so a capability whose
    baseUri points at Microcks (http://localhost:8080/rest/...) runs unchanged.

    \b
    How a request finds its example (Microcks' conventions):
      - examples of parameters, request bodies and responses pair up by example name;
      - x-microcks-operation picks the dispatcher:
          URI_PARTS   path parameters named in dispatcherRules ("imo && port") -> /imo=X
          URI_PARAMS  query parameters named in dispatcherRules                 -> ?status=Y
          URI_ELEMENTS both; QUERY_HEADER request headers
          JSON_BODY   {"exp": "/json/pointer", "operator": "equals", "cases": {...}}:
                      equals, regexp, range ("[1;10]"), size, presence (found/missing)
          FALLBACK    {"dispatcher": D, "dispatcherRules": R, "fallback": "example-name"}:
                      dispatch with D, answer the fallback example when nothing matches
          SCRIPT      only the literal form  return 'example-name'  (no script is run)
        without it, the dispatcher follows from the parameters (path -> URI_PARTS, query ->
        URI_PARAMS, both -> URI_ELEMENTS, none -> the operation's first example);
      - a response without content is served for the names in its x-microcks-refs;
      - {{ request.body/field }} (JSON Pointer, or a simple XPath into XML),
        {{ request.path[n] }}, {{ request.params[q] }}, {{ request.headers[h] }}, with
        "a || 'default'", are filled in from the request;
      - XML examples are sent as written, with their application/xml media type.

    \b
    Errors name what did not match:
      404  unknown service/version, or no operation for the method and path
      405  the path exists with other methods (Allow lists them)
      400  a required query parameter or header is missing, or no example matches the
           request's dispatch criteria (the message lists the criteria the examples answer)

    \b
    Also:  GET /api/health, GET /api/services (every operation, dispatcher and example).

    \b
    Example:
      iocgate mock registry.yaml dockyard.yaml --port 8080
      curl http://127.0.0.1:8080/rest/<title>/<version>/ships?status=active
    """
    try:
        services = load_services(openapi_files)
    except MockSpecError as error:
        raise click.ClickException(str(error)) from None
    sock, origin = _listen(host, port)
    app = create_app(services)
    _banner(services, origin)
    if as_json:
        urls = {f"{s.name}/{s.version}": origin + base_path(s) for s in services}
        click.echo(json.dumps({"origin": origin, "services": urls}))
        sys.stdout.flush()

    import uvicorn  # only when serving: --help stays fast

    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> tuple[socket.socket, str]:
    from iocgate.sockets import listening_socket, socket_origin

    try:
        sock = listening_socket(host, port)
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror}; pick another --port"
        ) from None
    return sock, socket_origin(sock, host)


def _banner(services: tuple[MockService, ...], origin: str) -> None:
    click.echo(f"iocgate mock: {len(services)} service(s) at {origin}", err=True)
    for service in services:
        click.echo(f"  {origin}{base_path(service)}   ({service.source})", err=True)
        for op in service.operations:
            names = ", ".join(e.name for e in op.exchanges) or "no examples"
            click.echo(
                f"    {op.method:<6} {op.path}  [{op.dispatcher or 'any'}]  {names}", err=True
            )
            if op.script_problem and op.fallback is None:
                click.echo(f"      warning: {op.script_problem}", err=True)
    click.echo("  Ctrl-C stops it.", err=True)
