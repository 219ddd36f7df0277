"""`iocgate validate`: check capability files without running them (binds need not be set)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from iocgate.capability import Warning_, check_capability, lint_capability, read_file
from iocgate.cli.output import handle_errors
from iocgate.errors import CapabilityError

__all__ = ["validate"]


def _files(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            found.append(path)
    return found


@click.command("validate")
@click.argument(
    "capabilities",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path),
    metavar="CAPABILITY...",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also warn where a file departs from the schema of its spec version.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout.")
@handle_errors
def validate(capabilities: tuple[Path, ...], strict: bool, as_json: bool) -> None:
    """Check CAPABILITY files (or folders of them) and report every problem.

    Each file is judged by the rules of its own spec version: `naftiko:` 1.0.0-alpha1/alpha2 or
    `ikanos:` 1.0.0-alpha3 ... 1.0.0-beta5; the files it imports are checked too. An error
    names the file, the line and the JSON path as written, and what to write instead, e.g.
    `cap.yaml:42: error: capability.exposes[0].tools.get-ship.call: 'x.y' names no consumed
    operation`; a --strict warning names the schema definition and the node's JSON path.
    Constructs the file may use but iocgate does not run yet are listed as
    `not run yet` (serve refuses them). Exit status 1 when any file has an error; warnings
    alone (--strict) exit 0.

    \b
    Examples:
      iocgate validate my-capability.yaml
      iocgate validate --strict capabilities/
    """
    report: list[dict[str, object]] = []
    failed = False
    for path in _files(capabilities):
        errors: list[CapabilityError]
        warnings: list[Warning_] = []
        semantic: list[CapabilityError] = []  # the ruleset's warnings (references, hints...)
        notes: tuple[CapabilityError, ...] = ()
        summary: dict[str, int] = {}
        try:
            source = read_file(path)
            capability, errors = check_capability(source, path)
        except CapabilityError as exc:
            capability, errors = None, [exc]
        if capability is not None:
            notes = capability.unsupported
            summary = {
                "operations": len(capability.operations),
                "rest_routes": len(capability.rest.routes) if capability.rest else 0,
                "mcp_tools": len(capability.mcp_tools),
            }
            if strict:
                warnings = lint_capability(
                    capability.document, capability.source, capability.origin
                )
                semantic = list(capability.warnings)
        failed = failed or bool(errors)
        report.append(
            {
                "file": str(path),
                "valid": not errors,
                "errors": [
                    {
                        "line": e.line,
                        "field": e.field,
                        "path": e.path,
                        "message": e.detail,
                        "text": _line(e),
                    }
                    for e in errors
                ],
                "warnings": [str(w) for w in warnings] + [_line(w, "warning") for w in semantic],
                "warning_details": [
                    {"line": w.line, "field": w.field, "path": w.path, "message": w.message}
                    for w in warnings
                ],
                "not_run_yet": [_line(n, "not run yet") for n in notes],
                **summary,
            }
        )
        if not as_json:
            for error in errors:
                click.echo(_line(error), err=True)
            for warning in warnings:
                click.echo(str(warning), err=True)
            for rule in semantic:
                click.echo(_line(rule, "warning"), err=True)
            for note in notes:
                click.echo(_line(note, "not run yet"), err=True)
            if not errors:
                click.echo(
                    f"{path}: ok: {summary['operations']} operations, "
                    f"{summary['rest_routes']} REST routes, {summary['mcp_tools']} MCP tools"
                    + (f", {len(warnings) + len(semantic)} warnings" if strict else "")
                )
    if as_json:
        click.echo(json.dumps(report if len(report) != 1 else report[0], indent=2))
    sys.exit(1 if failed else 0)


def _line(error: CapabilityError, kind: str = "error") -> str:
    where = error.file or "<capability>"
    if error.line is not None:
        where += f":{error.line}"
    field = error.field
    if error.path and error.path != field:
        field = f"{field} at {error.path}" if field else error.path
    return f"{where}: {kind}: {field + ': ' if field else ''}{error.detail}"
