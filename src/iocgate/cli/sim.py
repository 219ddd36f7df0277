"""`iocgate sim`: run the VirusTotal simulator, or list its corpus and demo keys."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

import click

from iocgate.sim import (
    DEMO_PRIVILEGED_KEY,
    DEMO_PUBLIC_KEY,
    Corpus,
    Faults,
    SimSettings,
    build_corpus,
    create_app,
)
from iocgate.sim.faults import QuietSimulatedResets

__all__ = ["sim"]

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SUGGESTED = (
    ("rich", "many sandboxes, every artefact, lots of ATT&CK techniques"),
    ("poor", "one static report (CAPA), few fields"),
    ("none", "known file without behaviour data"),
    ("huge", "a report over 1 MB of JSON"),
    ("hostile", "XSS and prompt-injection strings in the report"),
)


class ByteSize(click.ParamType[int, Any]):
    """A byte count: `8388608`, `512k`, `8M`, `1G`, `1GiB` (binary units)."""

    name = "BYTES"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*", str(value), re.IGNORECASE)
        if match is None:
            self.fail(f"{value!r} is not a size like 8388608, 512k, 8M or 1G", param, ctx)
        return int(match.group(1)) * _UNITS[match.group(2).lower()]


@click.command("sim", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8090, show_default=True, type=click.IntRange(0, 65535), help="0 = any free."
)
@click.option(
    "--seed", default=1, show_default=True, type=int, help="Corpus seed (same seed, same data)."
)
@click.option(
    "--key", "keys", multiple=True, metavar="K", help="Add a public-tier API key (repeatable)."
)
@click.option(
    "--privileged-key",
    "privileged_keys",
    multiple=True,
    metavar="K",
    help="Add a premium API key: no quota, may download artefacts (repeatable).",
)
@click.option(
    "--memdump-size",
    type=ByteSize(),
    default="8M",
    show_default=True,
    help="Size of every /memdump artefact (streamed; e.g. 8M, 1G).",
)
@click.option(
    "--redirect-artefacts",
    is_flag=True,
    help="Answer artefact requests with 302 to a keyless /_storage/ URL, as signed storage would.",
)
@click.option(
    "--latency-ms", type=click.FloatRange(min=0), default=0, help="Delay every API request."
)
@click.option(
    "--error-rate",
    type=click.FloatRange(0, 1),
    default=0,
    help="Fraction of API requests answered 503 TransientError.",
)
@click.option(
    "--list", "list_corpus", is_flag=True, help="Print the corpus and demo keys, then exit."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable output on stdout (JSON only)."
)
def sim(
    host: str,
    port: int,
    seed: int,
    keys: tuple[str, ...],
    privileged_keys: tuple[str, ...],
    memdump_size: int,
    redirect_artefacts: bool,
    latency_ms: float,
    error_rate: float,
    list_corpus: bool,
    as_json: bool,
) -> None:
    """Run a fake VirusTotal API v3 (file behaviours) for tests and demos.

    It answers like VirusTotal does, awkward corners included: sparse attributes, sandbox
    ids with spaces, cursors and absolute links, inline NotFoundError items, quotas (429),
    privileged-only artefacts (403) and injectable faults. It never touches the network
    beyond the address it listens on.

    \b
    Examples:
      iocgate sim                             # http://127.0.0.1:8090/api/v3
      iocgate sim --list                      # hashes, sandbox ids, artefacts, demo keys
      iocgate sim --list --json | jq '.files[] | select(.kind == "rich")'
      iocgate sim --port 0 --json             # any free port; prints {"url": ...} on stdout
      iocgate sim --memdump-size 1G --redirect-artefacts --error-rate 0.1

    \b
    Control (no key needed):
      GET/PUT  /_sim/faults      latency, error/deadline/reset/truncate rates, fail_next
      GET/DELETE /_sim/requests  the request log (and quota counters)
      GET      /_sim/corpus      the corpus listing
    """
    settings = SimSettings(
        seed=seed,
        public_keys=(DEMO_PUBLIC_KEY, *keys),
        privileged_keys=(DEMO_PRIVILEGED_KEY, *privileged_keys),
        memdump_size=memdump_size,
        redirect_artefacts=redirect_artefacts,
        faults=Faults(latency_ms=latency_ms, error_rate=error_rate),
    )
    if list_corpus:
        corpus = build_corpus(settings.seed, settings.file_count)
        if as_json:
            click.echo(json.dumps(_listing(settings, corpus), indent=2))
        else:
            click.echo(_table(settings, corpus))
        return
    _serve(settings, host, port, as_json=as_json)


def _key_rows(settings: SimSettings) -> list[dict[str, str]]:
    quota = f"{settings.public_per_minute}/min, {settings.public_per_day}/day"
    rows = [{"key": key, "tier": "public", "quota": quota} for key in settings.public_keys]
    rows += [
        {"key": key, "tier": "privileged", "quota": "unlimited; may download artefacts"}
        for key in settings.privileged_keys
    ]
    return rows


def _listing(settings: SimSettings, corpus: Corpus) -> dict[str, Any]:
    return {"seed": settings.seed, "keys": _key_rows(settings), "files": corpus.describe()}


def _table(settings: SimSettings, corpus: Corpus) -> str:
    lines = ["Keys:"]
    lines += [f"  {row['tier']:<10}  {row['key']}  ({row['quota']})" for row in _key_rows(settings)]
    lines += ["", f"Files (seed {settings.seed}):"]
    for entry in corpus.describe():
        lines.append(f"  {entry['kind']:<8}  {entry['sha256']}  {entry['name']}")
        if not entry["reports"]:
            lines.append("            (no behaviour reports)")
        for report in entry["reports"]:
            artefacts = ",".join(report["artefacts"]) or "-"
            size = f"{report['approx_json_bytes'] / 1024:,.0f} KB"
            lines.append(f"            {report['sandbox_name']:<26} {size:>9}  {artefacts}")
    return "\n".join(lines)


def _serve(settings: SimSettings, host: str, port: int, *, as_json: bool) -> None:
    import uvicorn  # only when serving: --list and --help stay fast

    from iocgate.sockets import listening_socket, socket_origin

    try:
        sock = listening_socket(host, port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    origin = socket_origin(sock, host)
    app = create_app(settings)
    _banner(settings, app.state.sim.corpus, origin)
    if as_json:
        keys = _key_rows(settings)
        click.echo(json.dumps({"url": f"{origin}/api/v3", "origin": origin, "keys": keys}))
        sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)  # configures uvicorn's loggers, so filter after this
    logging.getLogger("uvicorn.error").addFilter(QuietSimulatedResets())
    server.run(sockets=[sock])


def _banner(settings: SimSettings, corpus: Corpus, origin: str) -> None:
    def say(text: str = "") -> None:
        click.echo(text, err=True)

    say(f"iocgate sim: a fake VirusTotal API v3 at {origin}/api/v3 (seed {settings.seed})")
    for row in _key_rows(settings):
        say(f"  {row['tier']:<10}  {row['key']}  ({row['quota']})")
    say("  hashes to try:")
    for kind, what in _SUGGESTED:
        say(f"    {kind:<8} {corpus.pick(kind).sha256}  {what}")
    rich = corpus.pick("rich")
    say("  for example:")
    say(
        f"    curl -H 'x-apikey: {DEMO_PRIVILEGED_KEY}' "
        f"{origin}/api/v3/files/{rich.sha256}/behaviour_summary"
    )
    say(f"  control: {origin}/_sim/faults, {origin}/_sim/requests, {origin}/_sim/corpus")
    say("  Ctrl-C stops it.")
