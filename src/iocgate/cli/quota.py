"""`iocgate quota`: the quota policy, and what is used and left of it in each window.

It reads the counters that ``serve``, ``stdio``, ``call`` and ``investigate`` share (the SQLite
file in the state directory, or Redis with ``--cache redis://...``) and spends nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import click

from iocgate.cli.options import settings_from
from iocgate.cli.output import handle_errors, print_json
from iocgate.engine.quota import WindowUsage
from iocgate.engine.stores import describe_store, open_quota
from iocgate.settings import Settings

__all__ = ["quota", "quota_report"]


async def quota_report(settings: Settings) -> dict[str, Any]:
    """The policy and each window's use, as the ``--json`` output shows them."""
    from iocgate.gateway import quota_presets, quota_spec

    presets = quota_presets()
    spec = quota_spec(settings, presets)
    limiter = open_quota(
        spec, settings.cache, settings.state_dir, max_wait=settings.quota_wait, presets=presets
    )
    try:
        windows: tuple[WindowUsage, ...] = await limiter.usage()
    finally:
        await limiter.aclose()
    return {
        "policy": spec,
        "unlimited": not windows,
        "store": describe_store(settings.cache, settings.state_dir),
        "wait_seconds": settings.quota_wait,
        "windows": [
            {
                "window": w.window.value,
                "limit": w.limit,
                "used": w.used,
                "remaining": w.remaining,
                "next_free_in_seconds": round(w.resets_in, 1),
            }
            for w in windows
        ],
    }


def _print_text(report: dict[str, Any]) -> None:
    click.echo(f"policy:  {report['policy']}")
    click.echo(f"store:   {report['store']}")
    if report["unlimited"]:
        click.echo("no limits: calls are not paced (--quota unlimited, or demo mode)")
        return
    click.echo(f"wait:    up to {report['wait_seconds']:g} s, then QuotaExceededError")
    click.echo("")
    click.echo(f"{'window':<8} {'limit':>8} {'used':>8} {'remaining':>10}  next free")
    for row in report["windows"]:
        free = "now" if row["remaining"] else f"in {row['next_free_in_seconds']:g} s"
        click.echo(
            f"{row['window']:<8} {row['limit']:>8} {row['used']:>8} {row['remaining']:>10}  {free}"
        )


@click.command("quota")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML config file (docs/configuration.md).",
)
@click.option("--quota", metavar="SPEC", help="The budget to report on (as for serve).")
@click.option("--cache", metavar="BACKEND", help="Where counters live: sqlite, redis://...")
@handle_errors
def quota(as_json: bool, **flags: Any) -> None:
    """Show the quota policy and, per window, the calls used and remaining.

    Minute and hour windows slide; the day resets at 00:00 UTC and the month on the 1st at
    00:00 UTC, as VirusTotal's do. Nothing is spent by asking.

    \b
    Examples:
      iocgate quota
      iocgate quota --json
      iocgate quota --quota '30/min,20000/day' --cache redis://127.0.0.1:6379/0
    """
    settings = settings_from(**flags)
    report = anyio.run(quota_report, settings)
    if as_json:
        print_json(report, pretty=False)
    else:
        _print_text(report)
