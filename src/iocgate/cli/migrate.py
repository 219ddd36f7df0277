"""`iocgate migrate`: rewrite an alpha1/alpha2 capability as the newest spec version."""

from __future__ import annotations

from pathlib import Path

import click

from iocgate.capability import load_capability
from iocgate.capability.dialect import LATEST
from iocgate.capability.migrate import migrate_capability
from iocgate.cli.output import handle_errors

__all__ = ["migrate"]


@click.command("migrate")
@click.argument("capability", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the result to this file (default: stdout).",
)
@handle_errors
def migrate(capability: Path, output: Path | None) -> None:
    """Rewrite CAPABILITY (naftiko 1.0.0-alpha1/alpha2) as an ikanos 1.0.0-beta5 document.

    Named lists become maps keyed by name, `label` becomes `display`, `location:` imports
    become `from:`, and the seed generator's dialect is written as the schema spells it
    (`{{x}}` paths, namespace references in `with`, parameters declared on the exposed side).
    The result serves the same routes and tools with the same answers. The leading comment
    block is kept; comments inside the document are not.

    \b
    Examples:
      iocgate migrate old.yaml -o new.yaml
      iocgate migrate old.yaml | iocgate validate /dev/stdin
    """
    text = migrate_capability(load_capability(capability))
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"{capability} -> {output}: ikanos {LATEST}", err=True)
