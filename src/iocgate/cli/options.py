"""Options shared by `serve`, `stdio`, `call` and `investigate`, and how they become Settings."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from iocgate.cli import output
from iocgate.settings import Settings, load_settings

if TYPE_CHECKING:
    from iocgate.gateway import Gateway

__all__ = ["cli_gateway", "gateway_options", "read_gateway_options", "settings_from"]

F = TypeVar("F", bound=Callable[..., Any])


def _read_options() -> list[Callable[[Any], Any]]:
    return [
        click.option(
            "--upstream",
            metavar="URL",
            help="Upstream base URL replacing the capability's baseUri "
            "(env IOCGATE_UPSTREAM), e.g. http://127.0.0.1:8090/api/v3.",
        ),
        click.option(
            "--quota",
            metavar="SPEC",
            help="Quota budget: public (4/min, 500/day; the default with a key), unlimited "
            "(the default in demo mode) or e.g. '30/min,20000/day' (env IOCGATE_QUOTA).",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="TOML config file (docs/configuration.md); flags override it.",
        ),
        click.option(
            "--demo/--no-demo",
            default=None,
            help="Use the built-in VirusTotal simulator as the upstream of capabilities that "
            "bind VIRUSTOTAL_API_KEY (others keep theirs). Default: demo when that variable "
            "is unset and no --upstream is given.",
        ),
        click.option(
            "--cache",
            metavar="BACKEND",
            help="sqlite (default, in the user cache dir), memory, off, or redis://HOST:PORT/DB.",
        ),
    ]


def _write_options() -> list[Callable[[Any], Any]]:
    return [
        click.option(
            "--allow-writes",
            is_flag=True,
            default=None,
            help="Allow operations that change data upstream (POST, PATCH; not DELETE).",
        ),
        click.option(
            "--allow-destructive",
            is_flag=True,
            default=None,
            help="Also allow destructive operations (DELETE, hints destructive: true).",
        ),
    ]


def _apply(func: F, options: list[Callable[[Any], Any]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def gateway_options(func: F) -> F:
    """--upstream, --quota, --config, --demo, --cache and the write gate."""
    read = _read_options()
    return _apply(func, [*read[:-1], *_write_options(), read[-1]])


def read_gateway_options(func: F) -> F:
    """The same without the write gate, for commands that only read (`investigate`)."""
    return _apply(func, _read_options())


def settings_from(capabilities: tuple[Path, ...] = (), **flags: Any) -> Settings:
    """Settings from this command's flags (None means "not given")."""
    return load_settings({"capabilities": tuple(capabilities), **flags})


@contextlib.asynccontextmanager
async def cli_gateway(settings: Settings, *, announce_demo: bool) -> AsyncIterator[Gateway]:
    """The gateway a one-shot command runs on; its secrets are scrubbed from all it prints."""
    from iocgate.gateway import open_gateway

    async with open_gateway(settings) as gateway:
        output.SECRETS[:] = gateway.engine.secrets
        if gateway.demo is not None and announce_demo:
            output.stderr(
                "demo mode: answers come from the built-in VirusTotal simulator (not real data)"
            )
        yield gateway
