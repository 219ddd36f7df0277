"""`iocgate call`: invoke one operation or tool from the terminal and print the answer."""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import click

from iocgate.cli.options import cli_gateway, gateway_options, settings_from
from iocgate.cli.output import handle_errors, is_terminal, print_json, stderr
from iocgate.engine import CacheMode, Caller, Engine, Result
from iocgate.errors import InvalidArgumentError

__all__ = ["call", "check_usage", "parse_arguments"]


def parse_arguments(pairs: tuple[str, ...]) -> dict[str, object]:
    """``key=value`` (a string, typed later by the parameter) or ``key:=<json>`` (raw JSON).

    What cannot be read is a usage error (exit 2), like any malformed command line.
    """
    arguments: dict[str, object] = {}
    for pair in pairs:
        if ":=" in pair and pair.index(":=") < pair.index("=") + 1:
            key, raw = pair.split(":=", 1)
            try:
                arguments[key] = json.loads(raw)
            except ValueError:
                raise click.UsageError(f"{key}:= needs a JSON value, got {raw!r}") from None
        elif "=" in pair:
            key, value = pair.split("=", 1)
            arguments[key] = value
        else:
            raise click.UsageError(
                f"argument {pair!r} must be written key=value (or key:=<json>), with the "
                f"parameter's name before '=': e.g. PARAM={pair}"
            )
        if not key:
            raise click.UsageError(f"argument {pair!r} has no name before '='")
    return arguments


def check_usage(engine: Engine, name: str, arguments: Mapping[str, object]) -> None:
    """Refuse, as usage errors, an unknown NAME (with the closest names), unknown arguments
    and missing ones."""
    known = engine.callable_names()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise click.UsageError(
            f"no operation or tool named {name!r}{hint} (all {len(known)}: {', '.join(known)})"
        )
    operation, tool = engine.find(name)
    parameters = tool.parameters if tool is not None else operation.parameters
    allowed = {p.name for p in parameters}
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        raise click.UsageError(
            f"unknown argument(s) {', '.join(unknown)} for {name} "
            f"(allowed: {', '.join(sorted(allowed)) or 'none'})"
        )
    missing = [p for p in parameters if p.required and p.value is None and p.name not in arguments]
    if missing:
        described = "; ".join(
            f"{p.name}" + (f" ({p.description})" if p.description else "") for p in missing
        )
        example = " ".join(f"{p.name}=..." for p in missing)
        raise click.UsageError(f"{name} needs {described}: add {example}")


async def _write_stream(result: Result, destination: Path | None, as_json: bool) -> None:
    assert result.stream is not None
    digest = hashlib.sha256()
    size = 0
    show_progress = destination is not None and is_terminal(sys.stderr) and not as_json
    if destination is None:
        if as_json or (is_terminal() and not result.content_type.startswith("text/")):
            await result.stream.aclose()
            raise InvalidArgumentError(
                f"the answer is {result.content_type} bytes: write it with --output FILE"
            )
        sink = sys.stdout.buffer
        async for chunk in result.stream:
            sink.write(chunk)
        sink.flush()
        return
    partial = destination.with_name(destination.name + ".part")
    progress = None
    task = None
    if show_progress:
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        progress = Progress(
            *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
            transient=True,
        )  # fmt: skip
        progress.start()
        task = progress.add_task(destination.name, total=result.stream.length)
    try:
        with partial.open("wb") as sink:
            async for chunk in result.stream:
                sink.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if progress is not None and task is not None:
                    progress.update(task, advance=len(chunk))
        partial.replace(destination)  # never leave a half-written file under the real name
    finally:
        if progress is not None:
            progress.stop()
        partial.unlink(missing_ok=True)
    _report_written(destination, result.content_type, size, digest.hexdigest(), as_json)


def _report_written(
    destination: Path, content_type: str, size: int, sha256: str, as_json: bool
) -> None:
    """What --output wrote: a JSON summary on stdout with --json, else a line on stderr."""
    if as_json:
        summary = {
            "output": str(destination),
            "content_type": content_type,
            "size": size,
            "sha256": sha256,
        }
        print_json(summary, pretty=False)
    else:
        stderr(f"wrote {size} bytes to {destination} (sha256 {sha256})")


def _write_file(body: bytes, content_type: str, destination: Path, as_json: bool) -> None:
    """A body already read (a JSON answer, a small text one) written to --output FILE."""
    partial = destination.with_name(destination.name + ".part")
    try:
        partial.write_bytes(body)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    _report_written(destination, content_type, len(body), hashlib.sha256(body).hexdigest(), as_json)


def _report(result: Result, as_json: bool) -> None:
    cache = f"cache {result.cache.value}" + (
        f", age {result.age}s" if result.age is not None else ""
    )
    if not as_json:
        stderr(f"{result.operation}: HTTP {result.status}, {cache}")


async def _call(
    settings: Any,
    name: str,
    arguments: dict[str, object],
    as_json: bool,
    destination: Path | None,
    cache_mode: CacheMode,
) -> int:
    async with cli_gateway(settings, announce_demo=not as_json) as gateway:
        check_usage(gateway.engine, name, arguments)
        operation, tool = gateway.engine.find(name)
        if tool is not None:
            arguments = tool.upstream_arguments(arguments)
        result = await gateway.engine.invoke(
            operation, arguments, call=tool, caller=Caller(adapter="cli", cache_mode=cache_mode)
        )
        _report(result, as_json)
        if result.stream is not None:
            if result.is_error:
                await result.stream.aclose()
            else:
                await _write_stream(result, destination, as_json)
                return 0
        if destination is not None and not result.is_error:
            body = result.content if result.content is not None else result.json_bytes()
            _write_file(body, result.content_type, destination, as_json)
        elif result.content is not None:
            sys.stdout.buffer.write(result.content)
            sys.stdout.flush()
        elif as_json:
            print_json(None, raw=result.json_bytes(), pretty=False)
        elif not result.is_error:
            print_json(result.data)
        if result.is_error:
            code = result.error_code or f"HTTP{result.status}"
            message = result.error_message or "the upstream answered with an error"
            stderr(f"error: {code}: {message} (upstream HTTP {result.status})")
            return 1
        return 0


@click.command("call")
@click.argument("name")
@click.argument("arguments", nargs=-1, metavar="[KEY=VALUE]...")
@click.option(
    "-c",
    "--capability",
    "capabilities",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Capability file or folder (repeatable). Default: the embedded VirusTotal one.",
)
@gateway_options
@click.option("--json", "as_json", is_flag=True, help="Print exactly the JSON body, nothing else.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the answer (JSON exactly as received, or the pcap, evtx, memdump bytes) to FILE.",
)
@click.option("--refresh", is_flag=True, help="Skip the cache for this call, store the answer.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@handle_errors
def call(
    name: str,
    arguments: tuple[str, ...],
    capabilities: tuple[Path, ...],
    as_json: bool,
    output: Path | None,
    refresh: bool,
    no_cache: bool,
    **flags: Any,
) -> None:
    """Invoke operation or tool NAME with KEY=VALUE arguments and print the answer.

    NAME is an operation name (e.g. fileAllBehavioursSummary) or an MCP tool name (e.g.
    get-summary-all-behavior-reports). Values are typed by the parameter's declared type;
    write KEY:=JSON for a raw JSON value. An upstream error prints its error code (e.g.
    VirusTotal's NotFoundError) on stderr and exits 1.

    \b
    Examples:
      iocgate call get-summary-all-behavior-reports id=<sha256>
      iocgate call getFileBehaviourId sandbox_id='<sha256>_VirusTotal Jujubox' --json
      iocgate call get-pcap-file-generated-during sandbox_id='<sha256>_Zenbox' -o run.pcap
      iocgate call get-objects-related-behaviour-report \\
          sandbox_id='<sha256>_Zenbox' relationship=contacted_domains limit=40
    """
    settings = settings_from(capabilities, **flags)
    mode = CacheMode.BYPASS if no_cache else CacheMode.REFRESH if refresh else CacheMode.USE
    status = anyio.run(_call, settings, name, parse_arguments(arguments), as_json, output, mode)
    sys.exit(status)
