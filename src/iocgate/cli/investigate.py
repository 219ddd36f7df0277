"""`iocgate investigate HASH`: the one-step investigation, with its exports written to files.

stdout holds only the result (the terminal brief, JSON, Markdown or HTML); the quota plan,
progress and diagnostics go to stderr. Nothing ever prompts: on a public key the plan is shown
before it is spent, and ``--max-calls`` refuses a plan that needs more.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import click

from iocgate.cli.options import cli_gateway, read_gateway_options, settings_from
from iocgate.cli.output import handle_errors, is_terminal, print_json, result_console, stderr
from iocgate.errors import InvalidArgumentError
from iocgate.virustotal.ids import HASH_PATTERN
from iocgate.virustotal.investigate import Brief, Progress
from iocgate.virustotal.investigate import investigate as run_investigation
from iocgate.virustotal.wording import counted

__all__ = ["investigate"]

FORMATS = ("brief", "json", "md", "html")


def _check_hash(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(HASH_PATTERN, value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidArgumentError(
            f"argument HASH must be an MD5, SHA-1 or SHA-256 in hex (32, 40 or 64 characters), "
            f"got {shown!r}"
        )
    return value


def _write(path: Path, text: str) -> None:
    """Write atomically: never leave half a file under the real name."""
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8", newline="")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidArgumentError(f"cannot write {path}: {exc.strerror}") from None


def _export_files(
    brief: Brief, files: dict[str, Path | None], sandbox: str | None, quiet: bool
) -> None:
    import json

    from iocgate.virustotal.exports import (
        iocs_csv,
        iocs_json,
        navigator_layer,
        report_html,
        report_markdown,
        stix_json,
    )

    def say(line: str) -> None:
        if not quiet:
            stderr(line)

    if files["navigator"] is not None:
        layer = navigator_layer(brief, sandbox=sandbox)
        _write(files["navigator"], json.dumps(layer, ensure_ascii=False, indent=2) + "\n")
        say(f"wrote ATT&CK Navigator layer to {files['navigator']}")
    if files["stix"] is not None:
        _write(files["stix"], stix_json(brief, indent=2) + "\n")
        say(f"wrote STIX 2.1 bundle to {files['stix']}")
    if files["iocs"] is not None:
        path = files["iocs"]
        if path.suffix.lower() == ".json":
            _write(path, json.dumps(iocs_json(brief), ensure_ascii=False, indent=2) + "\n")
        else:
            _write(path, iocs_csv(brief))
        say(f"wrote IoC list to {path}")
    if files["report"] is not None:
        path = files["report"]
        is_markdown = path.suffix.lower() in (".md", ".markdown")
        _write(path, report_markdown(brief) if is_markdown else report_html(brief))
        say(f"wrote {'Markdown' if is_markdown else 'HTML'} report to {path}")


def _print_result(brief: Brief, fmt: str) -> None:
    if fmt == "json":
        print_json(brief.to_dict())
        return
    if fmt in ("md", "html"):
        from iocgate.virustotal.exports import report_html, report_markdown

        text = report_markdown(brief) if fmt == "md" else report_html(brief)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from iocgate.virustotal.exports.terminal import brief_renderable

    result_console().print(brief_renderable(brief))


_PUBLIC_NOTE = (
    "public key: 4 calls/min, 500/day; nothing is asked, --max-calls N refuses larger plans"
)


@contextmanager
def _progress_reporter(quota: str, quiet: bool) -> Iterator[Callable[[Progress], None]]:
    """A progress callback: a rich bar on a terminal's stderr, plain lines otherwise.

    Each new plan is printed once (the first says "at least", the next is exact); on a public
    key the first plan also says what the key allows. Nothing waits for an answer.
    """
    shown: set[str] = set()

    def announce(event: Progress, say: Callable[[str], None]) -> None:
        text = event.plan.describe()
        if text in shown:
            return
        if not shown and quota == "public":
            say(_PUBLIC_NOTE)
        shown.add(text)
        say(f"plan: {text}")

    if quiet:
        yield lambda event: None
        return
    if not is_terminal(sys.stderr):

        def plain(event: Progress) -> None:
            announce(event, stderr)
            if event.step:
                calls = counted(event.upstream_calls, "upstream call")
                stderr(f"  {event.step}: {event.cache} ({calls} so far)")

        yield plain
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    task = bar.add_task("investigating", total=None)

    def say(text: str) -> None:
        bar.console.print(text, highlight=False, markup=False)

    def fancy(event: Progress) -> None:
        announce(event, say)
        bar.update(
            task,
            total=event.plan.requests if event.plan.is_exact else None,
            completed=event.done,
            description=event.step or "investigating",
        )

    with bar:
        yield fancy


async def _run(
    settings: Any,
    file_hash: str,
    fmt: str,
    files: dict[str, Path | None],
    sandbox: str | None,
    max_calls: int | None,
    quiet: bool,
    include_noise: bool = False,
) -> None:
    async with cli_gateway(settings, announce_demo=not quiet) as gateway:
        with _progress_reporter(settings.quota_spec, quiet) as progress:
            brief = await run_investigation(
                gateway.engine,
                file_hash,
                progress=progress,
                max_calls=max_calls,
                sandbox=sandbox,
                include_noise=include_noise,
            )
        if not quiet:
            cost = brief.cost
            stderr(
                f"cost: {counted(cost.upstream_calls, 'upstream call')}, "
                f"{counted(cost.cache_hits, 'cache hit')} (planned: {cost.planned})"
            )
        _export_files(brief, files, sandbox, quiet)
        _print_result(brief, fmt)


def _iocs_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in (".csv", ".json"):
        raise click.BadParameter("the file name must end in .csv or .json", ctx, param)
    return value


@click.command("investigate")
@click.argument("file_hash", metavar="HASH")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="brief",
    show_default=True,
    help="What to print on stdout: a terminal brief, the brief as JSON, or the report.",
)
@click.option(
    "--navigator",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write an ATT&CK Navigator layer (JSON) to FILE.",
)
@click.option(
    "--stix", type=click.Path(path_type=Path, dir_okay=False), help="Write a STIX 2.1 bundle."
)
@click.option(
    "--iocs",
    type=click.Path(path_type=Path, dir_okay=False),
    callback=_iocs_path,
    help=(
        "Write the IoC list to FILE (.csv: type,value,context,sandboxes,classification,"
        "confidence,reason; or .json)."
    ),
)
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE (.md: Markdown; anything else: self-contained HTML).",
)
@click.option("--sandbox", metavar="NAME", help="Only this sandbox's report (e.g. Zenbox).")
@click.option(
    "--max-calls",
    type=click.IntRange(min=0),
    metavar="N",
    help="Refuse to start (or go on) when the plan needs more than N upstream calls.",
)
@click.option(
    "--include-noise",
    is_flag=True,
    help="Keep indicators classed as noise (benign infrastructure, Windows background activity).",
)
@click.option("-q", "--quiet", is_flag=True, help="No plan, progress or cost lines on stderr.")
@read_gateway_options
@handle_errors
def investigate(
    file_hash: str,
    fmt: str,
    navigator: Path | None,
    stix: Path | None,
    iocs: Path | None,
    report: Path | None,
    sandbox: str | None,
    max_calls: int | None,
    include_noise: bool,
    quiet: bool,
    **flags: Any,
) -> None:
    """Investigate a file HASH (SHA-256, SHA-1 or MD5) in one step.

    Fetches VirusTotal's behaviour summary, MITRE ATT&CK trees and every sandbox report
    (2 upstream calls plus one per 40 reports; cached answers cost nothing), then prints a
    verdict brief: techniques by severity, rule hits, key indicators, artefacts and the quota
    it cost. The plan is printed on stderr before anything is spent.

    \b
    Examples:
      iocgate investigate <sha256>
      iocgate investigate <sha256> --format json > brief.json
      iocgate investigate <sha256> --navigator layer.json --stix bundle.json \\
          --iocs iocs.csv --report report.html
      iocgate investigate <sha256> --max-calls 3      # never more than 3 quota units
    """
    checked = _check_hash(file_hash)
    settings = settings_from(**flags)
    files = {"navigator": navigator, "stix": stix, "iocs": iocs, "report": report}
    anyio.run(_run, settings, checked, fmt, files, sandbox, max_calls, quiet, include_noise)
